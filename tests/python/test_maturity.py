"""qm.maturity: frameworks, scoring, raters, analysis, plots (published rules on worked cases).

Sources of the worked cases: tests/reference/maturity/README.md.
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
from qualitymetrics import maturity as mq  # noqa: E402

REF = Path(__file__).resolve().parents[1] / "reference" / "maturity"


# ------------------------------------------------------------------ helpers
def cqc_rows(fw: mq.Framework, unit: str, kq: str, scores: list[int], rater: str = "insp") -> list[dict]:
    """Every evidence category of each quality statement of `kq` at that statement's score."""
    n = fw.nodes
    rows = []
    for q, el in enumerate(n.loc[(n["kind"] == "element") & (n["domain"] == kq), "id"]):
        for c in n.loc[(n["kind"] == "criterion") & (n["element"] == el), "id"]:
            rows.append({"unit": unit, "rater": rater, "criterion": c, "rating": str(scores[q])})
    return rows


def cqc_provider(fw: mq.Framework, unit: str, pattern: str, breach: bool = False) -> list[dict]:
    score = {"O": 4, "G": 3, "R": 2, "I": 1}
    rows = []
    for kq, p in zip(["safe", "effective", "caring", "responsive", "well_led"], pattern):
        nq = int(((fw.nodes["kind"] == "element") & (fw.nodes["domain"] == kq)).sum())
        rows += cqc_rows(fw, unit, kq, [score[p]] * nq)
    rows.append({"unit": unit, "rater": "insp", "criterion": "regulatory.breach", "rating": "breach" if breach else "none"})
    return rows


def qms_assessment(seed: int = 1, units=("north", "south", "east"), rounds=("2024", "2025"), raters=("r1", "r2", "r3"),
                   step: int = 1) -> pd.DataFrame:
    fw = mq.Framework.load("qms-maturity")
    rng = np.random.default_rng(seed)
    base = {u: 2 + i for i, u in enumerate(units)}
    rows = []
    for u in units:
        for j, rd in enumerate(rounds):
            for r in raters:
                for c in fw.criteria["id"]:
                    v = int(np.clip(base[u] + step * j + rng.integers(-1, 2), 1, 5))
                    rows.append({"unit": u, "round": rd, "rater": r, "criterion": c, "rating": v})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def cqc() -> mq.Framework:
    return mq.Framework.load("cqc-style")


@pytest.fixture(scope="module")
def qms_result() -> mq.MaturityResult:
    return mq.Framework.load("qms-maturity").score(qms_assessment())


# ------------------------------------------------------------------ frameworks
def test_bundled_frameworks_load_and_match_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    listing = mq.frameworks()
    assert set(listing["name"]) == {"qms-maturity", "sms-psoe", "strategy-themes", "cqc-style"}
    schema = mq.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in listing["name"]:
        fw = mq.Framework.load(name)
        jsonschema.Draft202012Validator(schema).validate(fw.to_dict())
        assert fw.version == "1.0.0"
        assert len(fw.criteria) > 10
        assert fw.targets
    # the fixtures too
    for f in REF.glob("*.json"):
        jsonschema.Draft202012Validator(schema).validate(json.loads(f.read_text()))


def test_framework_description(cqc):
    assert repr(cqc).startswith("Framework(id='cqc-style'")
    assert "percent_bands" in cqc._repr_html_()
    n = cqc.nodes
    assert n.iloc[0]["id"] == "overall"
    assert list(n.columns[:6]) == ["id", "kind", "name", "parent", "domain", "element"]
    assert set(cqc.scales) == {"cqc_score", "qs_score", "cqc_rating", "breach", }
    assert cqc.scales["cqc_rating"]["label"].tolist() == ["inadequate", "requires_improvement", "good", "outstanding"]
    assert cqc.targets["good"]["overall"] == "good"
    m = cqc.methods().set_index("node")
    assert m.loc["overall", "method"] == "count_rules"
    assert "at most requires_improvement" in m.loc["overall", "caps"][0]


def test_load_errors_name_file_pointer_problem(tmp_path):
    with pytest.raises(ValueError, match="no bundled framework 'nope'"):
        mq.Framework.load("nope")
    p = tmp_path / "broken.json"
    p.write_text('{"format": "qualitymetrics.maturity/1",\n "id": }')
    with pytest.raises(mq.FrameworkError) as e:
        mq.Framework.load(p)
    assert e.value.file == str(p)
    assert "invalid JSON" in e.value.problem and "line 2" in e.value.problem
    assert isinstance(e.value, ValueError)
    d = mq.Framework.load("qms-maturity").to_dict()
    d["domains"][1]["elements"][0]["criteria"][1]["scale"] = "maturity9"
    with pytest.raises(mq.FrameworkError) as e:
        mq.Framework.from_dict(d, "edited.json")
    assert e.value.pointer == "/domains/1/elements/0/criteria/1/scale"
    assert "unknown scale 'maturity9' (known: maturity5)" in e.value.problem
    assert str(e.value).startswith("edited.json: /domains/1/elements/0/criteria/1/scale: ")
    d = mq.Framework.load("qms-maturity").to_dict()
    d["domains"][0]["elements"][0]["criteria"][0]["requires"] = [{"criterion": "planning.needs.voice", "at_least": 3}]
    d["domains"][0]["elements"][0]["criteria"][1]["requires"] = [{"criterion": "planning.needs.population", "at_least": 3}]
    with pytest.raises(mq.FrameworkError, match="prerequisites form a cycle"):
        mq.Framework.from_dict(d)
    d = mq.Framework.load("qms-maturity").to_dict()
    d["domains"][0]["weight"] = "high"
    with pytest.raises(mq.FrameworkError, match="/domains/0/weight: expected a number, got the string 'high'"):
        mq.Framework.from_dict(d)


def test_method_override(cqc):
    fw = mq.Framework.load("qms-maturity")
    assert fw.with_methods("weakest_link").methods()["method"].eq("weakest_link").all()
    other = fw.with_methods({"overall": {"method": "weighted_mean"}}, missing="lowest")
    assert other.methods().set_index("node").loc["overall", "method"] == "weighted_mean"
    assert other.missing == "lowest"
    with pytest.raises(ValueError, match="unknown method 'average'"):
        fw.with_methods("average")
    with pytest.raises(mq.FrameworkError) as e:
        fw.with_methods({"overall": {"method": "percent_bands"}})
    assert e.value.file == "method" and "needs 'bands'" in e.value.problem


# ------------------------------------------------------------------ CQC (published rules)
def test_cqc_published_quality_statement_example():
    # CQC "Example: how we reach a rating": categories 3, 2, 3, 3 -> 11/16 = 69% -> score 3
    fw = mq.Framework.from_dict({
        "format": "qualitymetrics.maturity/1", "id": "gp", "version": "1",
        "scales": [{"id": "s", "type": "ordinal", "levels": [{"value": v, "label": str(v)} for v in range(1, 5)]},
                   {"id": "qs", "type": "banded", "min": 0, "max": 100, "round": 0,
                    "levels": [{"value": v, "label": f"score {v}", "min": m} for v, m in zip(range(1, 5), (25, 39, 63, 88))]}],
        "scale": "s", "scoring": {"element": {"method": "percent_bands", "bands": "qs"}},
        "domains": [{"id": "safe", "elements": [{"id": "ipc", "criteria": [{"id": c} for c in ("people", "staff", "observation", "processes")]}]}]})
    df = pd.DataFrame({"unit": "gp", "criterion": ["people", "staff", "observation", "processes"], "rating": [3, 2, 3, 3]})
    f = fw.score(df).frame.set_index("node")
    assert f.loc["ipc", "percent"] == pytest.approx(68.75)
    assert f.loc["ipc", "label"] == "score 3"


@pytest.mark.parametrize("pattern,expected", [
    ("OOGGG", "outstanding"), ("OGGGG", "good"), ("OOOGR", "good"), ("GGGRR", "requires_improvement"),
    ("GGGGI", "requires_improvement"), ("IIGGG", "inadequate"), ("OOOOO", "outstanding"),
], ids=lambda x: x if isinstance(x, str) and x.isupper() else None)
def test_cqc_rating_principles(cqc, pattern, expected):
    res = cqc.score(pd.DataFrame(cqc_provider(cqc, "care home", pattern)))
    s = res.summary()
    assert s.loc[0, "level"] == expected
    assert [s.loc[0, kq] for kq in ("safe", "effective", "caring", "responsive", "well_led")] == [
        {"O": "outstanding", "G": "good", "R": "requires_improvement", "I": "inadequate"}[p] for p in pattern]


def test_cqc_limiters(cqc):
    rows = cqc_rows(cqc, "h", "safe", [4, 4, 4, 2])
    f = cqc.score(pd.DataFrame(rows)).frame.set_index("node")
    assert f.loc["safe", "percent"] == pytest.approx(87.5)
    assert f.loc["safe", "label"] == "good" and bool(f.loc["safe", "capped"])
    assert f.loc["safe", "cap"] == "a quality statement scored 1 or 2 limits the key question to good"
    res = cqc.score(pd.DataFrame(cqc_provider(cqc, "h", "OOGGG", breach=True)))
    f = res.frame.set_index("node")
    assert f.loc["overall", "label"] == "requires_improvement"
    assert f.loc["overall", "cap"].startswith("a breach of regulations")


def test_cqc_consensus_override_with_reason(cqc):
    rows = cqc_provider(cqc, "h", "GGGGG")
    rows.append({"unit": "h", "rater": "consensus", "criterion": "overall", "rating": "requires_improvement",
                 "reason": "judgement: concerns about the leadership's grip on safety"})
    df = pd.DataFrame(rows)
    f = cqc.score(df).frame.set_index("node")
    assert f.loc["overall", "label"] == "requires_improvement"
    assert bool(f.loc["overall", "overridden"])
    assert f.loc["overall", "override_reason"].startswith("judgement")
    df.loc[df["rater"] == "consensus", "reason"] = ""
    with pytest.raises(ValueError, match=r"reason: the consensus override at row \d+ needs a recorded reason"):
        cqc.score(df)


# ------------------------------------------------------------------ CMMI, PSOE, RADAR
def test_cmmi_staged_level_and_not_yet():
    fw = mq.Framework.load(REF / "cmmi_dev_v13_staged.json")
    c = fw.criteria
    stage = c["stage"].astype(int)
    rating = np.where(stage <= 3, "LI", "PI").astype(object)
    df = pd.DataFrame({"unit": "org", "criterion": c["id"], "rating": rating})
    assert fw.score(df).summary().loc[0, "level"] == "Defined"
    df.loc[df["criterion"] == "RD.SG", "rating"] = "NY"  # Not Yet: Not Rated, and it decides ML3
    s = fw.score(df).summary()
    assert s.loc[0, "status"] == "not_rated"
    assert fw.score(df, missing="exclude").summary().loc[0, "level"] == "Defined"


def test_psoe_element_effectiveness():
    fw = mq.Framework.load("sms-psoe")
    df = pd.DataFrame({"unit": "trust", "criterion": ["policy.commitment.c1", "policy.commitment.c2", "policy.commitment.eff",
                                                     "policy.commitment.exc"], "rating": ["O", "E", "E", "P"]})
    f = fw.score(df).frame.set_index("node")
    assert f.loc["policy.commitment", "label"] == "effectiveness_achieved"
    assert f.loc["policy.commitment", "percent"] == pytest.approx(100 * 11 / 12)
    df.loc[0, "rating"] = "S"
    assert fw.score(df).frame.set_index("node").loc["policy.commitment", "label"] == "effectiveness_not_achieved"
    df["rating"] = ["O", "O", "E", "O"]
    assert fw.score(df).frame.set_index("node").loc["policy.commitment", "label"] == "signs_of_excellence"


def test_radar_subscores_and_points():
    fw = mq.Framework.load(REF / "radar_efqm.json")
    rows = [{"unit": "u", "criterion": "c1.1", "subscore": s, "rating": v} for s, v in
            (("approach", 60), ("deployment", 40), ("assessment_refinement", 50))]
    rows += [{"unit": "u", "criterion": c, "subscore": None, "rating": 70 if c == "c1.2" else 35}
             for c in ("c1.2", "c2.1", "c2.2", "c4.1", "c4.2", "c5.1", "c5.2")]
    f = fw.score(pd.DataFrame(rows)).frame.set_index("node")
    assert f.loc["c1.1", "score"] == 50 and f.loc["c1.1", "label"] == "ability"
    assert f.loc["c1", "points"] == pytest.approx(60)
    assert f.loc["c2", "label"] == "limited ability"
    assert f.loc["overall", "points"] == pytest.approx(235)
    with pytest.raises(ValueError, match="criterion 'c1.1' has no sub-score 'approch'"):
        fw.score(pd.DataFrame([{"unit": "u", "criterion": "c1.1", "subscore": "approch", "rating": 60}]))


def test_mapsaf_tick_both_and_staff_groups():
    fw = mq.Framework.load(REF / "mapsaf_primary_care.json")
    rows = []
    views = {"gp1": "C", "gp2": "B/C", "nurse1": "D", "nurse2": "D", "admin1": "B"}
    groups = {"gp1": "GPs", "gp2": "GPs", "nurse1": "nurses", "nurse2": "nurses", "admin1": "admin"}
    for rater, v in views.items():
        for c in ("learning.T", "learning.O", "teamworking.T"):
            rows.append({"unit": "practice", "rater": rater, "criterion": c, "rating": v})
    res = fw.score(pd.DataFrame(rows))
    c = res.criteria().set_index("node")
    assert c.loc["learning.T", "score"] == 3.0 and c.loc["learning.T", "label"] == "Bureaucratic"
    assert c.loc["learning.T", "rater_min"] == 2.0 and bool(c.loc["learning.T", "disagreement"])
    g = res.groups(groups)
    lt = g[g["node"] == "learning.T"].set_index(g.loc[g["node"] == "learning.T", "group"].astype(str))
    assert lt.loc["GPs", "score"] == 2.75 and lt.loc["GPs", "label"] == "Reactive"
    assert lt.loc["nurses", "label"] == "Proactive" and lt.loc["admin", "label"] == "Reactive"
    assert (lt["group_spread"] == 2).all() and lt["groups_differ"].all()
    with pytest.raises(ValueError, match="by: rater 'admin1' has no group"):
        res.groups({k: v for k, v in groups.items() if k != "admin1"})
    with pytest.raises(ValueError, match=r"rating: 'A/C' at row 0 is not on scale 'culture'"):
        fw.score(pd.DataFrame([{"unit": "p", "rater": "x", "criterion": "learning.T", "rating": "A/C"}]))


# ------------------------------------------------------------------ malformed assessments
def test_assessment_errors_name_column_and_row(cqc):
    df = pd.DataFrame(cqc_rows(cqc, "h", "safe", [3, 3, 3, 3]), index=[f"r{i}" for i in range(12)])
    bad = df.copy()
    bad.loc["r4", "criterion"] = "safe.learning.pee"
    with pytest.raises(ValueError, match=r"criterion: unknown criterion 'safe.learning.pee' at row 'r4' .*did you mean 'safe.learning.pe'"):
        cqc.score(bad)
    bad = df.copy()
    bad.loc["r2", "rating"] = "5"
    with pytest.raises(ValueError, match=r"rating: '5' at row 'r2' is not on scale 'cqc_score'"):
        cqc.score(bad)
    num = df.assign(rating=df["rating"].astype(int))
    num.loc["r7", "rating"] = 9
    with pytest.raises(ValueError, match=r"rating at row 'r7': 9 is not on scale 'cqc_score'"):
        cqc.score(num)
    dup = pd.concat([df, df.iloc[[3]].rename(index={"r3": "again"})])
    with pytest.raises(ValueError, match=r"criterion at row 'again': duplicate rating: row 'r3' has the same unit"):
        cqc.score(dup)
    with pytest.raises(ValueError, match="criterion: 'safe' at row 'r0' is domain, not a criterion"):
        cqc.score(df.assign(criterion=["safe"] + df["criterion"].tolist()[1:]))
    with pytest.raises(ValueError, match="rating: column 'grade' is not in the data"):
        cqc.score(df, rating="grade")
    with pytest.raises(ValueError, match="aggregate: must be one of"):
        cqc.score(df, aggregate="mode")
    with pytest.raises(ValueError, match="evidence_date: 'last spring' at row 'r1' is not a date"):
        cqc.score(df.assign(evidence_date=["2024-01-01", "last spring"] + ["2024-01-01"] * 10))
    with pytest.raises(ValueError, match="data: the assessment has no rows"):
        cqc.score(df.iloc[:0])


def test_csv_path_keeps_na_as_not_applicable(tmp_path, cqc):
    p = tmp_path / "a.csv"
    rows = cqc_rows(cqc, "h", "safe", [3, 3, 3, 3])
    rows[0]["rating"] = "NA"
    rows[1]["rating"] = ""
    pd.DataFrame(rows).to_csv(p, index=False)
    res = cqc.score(p)
    bad = pd.DataFrame(rows)
    bad.loc[5, "rating"] = "7"
    q = tmp_path / "bad.csv"
    bad.to_csv(q, index=False)
    with pytest.raises(ValueError, match=rf"^{q}: rating: '7' at line 7 is not on scale 'cqc_score'"):
        cqc.score(q)
    c = res.criteria().set_index("node")
    assert c.loc[rows[0]["criterion"], "status"] == "not_applicable"
    assert c.loc[rows[1]["criterion"], "status"] == "not_rated"
    assert res.summary().loc[0, "n_not_rated"] > 0


# ------------------------------------------------------------------ raters and agreement
def test_krippendorff_published_example():
    raw = pd.read_csv(REF / "krippendorff_2011_example.csv", index_col=0, na_values=["."])
    m = raw.to_numpy(dtype=float)
    for metric, alpha in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)):
        assert mq.krippendorff_alpha(m, metric)["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert mq.krippendorff_alpha([[1, 1], [2, 2], [3, 3]], "ordinal")["alpha"] == pytest.approx(1.0)


def test_raters_agreement_and_disagreement(qms_result):
    c = qms_result.criteria()
    assert {"rater_min", "rater_max", "spread", "disagreement", "n_items"} <= set(c.columns)
    assert (c["n_items"] == 3).all()
    assert c["disagreement"].equals(c["spread"] > 1)
    a = qms_result.agreement()
    s = a.summary()
    assert s.loc[0, "scale"] == "maturity5" and s.loc[0, "metric"] == "ordinal"
    assert 0.0 < s.loc[0, "alpha"] < 1.0
    assert len(a.frame) == len(qms_result.framework.criteria)
    assert qms_result.agreement(tolerance=1).summary().loc[0, "exact_agreement"] >= s.loc[0, "exact_agreement"]
    assert "alpha=" in repr(a)


def test_consensus_aggregation():
    fw = mq.Framework.load("qms-maturity")
    df = pd.DataFrame({"unit": "u", "rater": ["a", "b", "a", "b"], "criterion": ["planning.needs.population"] * 2 + ["planning.needs.voice"] * 2,
                       "rating": [3, 4, 2, 2]})
    f = fw.score(df, aggregate="consensus").criteria().set_index("node")
    assert f.loc["planning.needs.population", "status"] == "not_rated" and bool(f.loc["planning.needs.population", "no_consensus"])
    assert f.loc["planning.needs.voice", "score"] == 2
    f = fw.score(df).criteria().set_index("node")
    assert f.loc["planning.needs.population", "score"] == 3.5
    assert f.loc["planning.needs.population", "label"] == "Defined"


# ------------------------------------------------------------------ results
def test_frame_summary_and_columns(qms_result):
    f = qms_result.frame
    N = len(qms_result.framework.nodes)
    assert len(f) == 3 * 2 * N
    for col in ("unit", "round", "node", "kind", "level", "label", "score", "percent", "se", "status", "disagreement",
                "stale_evidence", "capped", "cap", "carried_from", "override_reason"):
        assert col in f.columns
    assert list(f["round"].cat.categories) == ["2024", "2025"]
    s = qms_result.summary()
    assert list(s.columns[:7]) == ["unit", "round", "level", "score", "percent", "se", "status"]
    assert {"planning", "control", "improvement", "assurance", "n_disagreements"} <= set(s.columns)
    assert len(s) == 6
    arr = qms_result.columns["score"]
    assert not arr.flags.writeable
    with pytest.raises(ValueError):
        arr[0] = 1.0
    assert "MaturityResult(framework='qms-maturity'" in repr(qms_result)
    assert "<table" in qms_result._repr_html_()
    json.dumps(qms_result.to_dict())


def test_gaps(qms_result):
    g = qms_result.gaps("ambition")
    assert set(g["node"]) == {"overall", "planning", "control", "improvement", "assurance"}
    assert (g["target"] == "Defined").all()
    north = g[(g["unit"] == "north") & (g["round"] == "2024")]
    assert not north["met"].all() and (north["gap_levels"] >= 0).all()
    g2 = qms_result.gaps({"domains": "Managed", "control": "Optimising"})
    assert (g2.set_index(["unit", "round", "node"]).xs("control", level="node")["target"] == "Optimising").all()
    with pytest.raises(ValueError, match="target: 'Expert' is not a level of 'planning'"):
        qms_result.gaps({"planning": "Expert"})
    with pytest.raises(ValueError, match="no target profile 'dream'"):
        qms_result.gaps("dream")


def test_what_if(qms_result, cqc):
    w = qms_result.what_if()
    s = w.summary()
    assert len(s) == 6
    assert set(s["outcome"]) <= {"plan", "top_level"}
    plans = s[s["outcome"] == "plan"]
    assert (plans["new_level"] == plans["target"]).all()
    f = w.frame
    assert (f["to"] > f["from"]).all() and (f["increase"] > 0).all()
    assert f.groupby(["unit", "round"], observed=True).size().sum() == plans["n_changes"].sum()
    # CQC: a quality statement at 75% reaches score 4 with two categories raised 3 -> 4
    res = cqc.score(pd.DataFrame(cqc_rows(cqc, "h", "safe", [3, 3, 3, 3])))
    w = res.what_if("safe.learning")
    assert w.summary().loc[0, "n_changes"] == 2
    assert w.frame["to_label"].tolist() == ["exceptional standard"] * 2
    assert bool(w.summary().loc[0, "exact"])
    assert res.what_if("safe", level="outstanding").summary().loc[0, "n_changes"] == 4
    with pytest.raises(ValueError, match="unknown node 'unsafe'"):
        res.what_if("unsafe")


def test_compare_and_changes_against_noise():
    fw = mq.Framework.load("qms-maturity")
    df = qms_assessment(seed=3, units=("north", "south"), step=2)
    res = fw.score(df)
    ch = res.changes()
    assert set(ch["judgement"].astype(str)) <= {"improved", "declined", "no_change", "within_noise", "not_comparable"}
    dom = ch[ch["node"] == "planning"]
    assert (dom["judgement"] == "improved").all()  # two levels up: far beyond the raters' noise
    assert dom["beyond_noise"].all()
    assert (dom["change"] > 1.96 * dom["change_se"]).all()
    # the same raters giving the same ratings again: no change; one criterion a level up: within noise
    same = pd.concat([df[df["round"] == "2024"], df[df["round"] == "2024"].assign(round="2025")], ignore_index=True)
    nudged = same.copy()
    first = nudged.index[(nudged["round"] == "2025") & (nudged["criterion"] == "planning.needs.population")]
    nudged.loc[first, "rating"] = (nudged.loc[first, "rating"] + 1).clip(upper=5)
    ch2 = fw.score(nudged).changes().set_index(["unit", "node"])
    assert ch2.loc[("north", "control"), "judgement"] == "no_change"
    assert ch2.loc[("north", "planning"), "judgement"] == "within_noise"
    prev = fw.score(df[df["round"] == "2024"])
    cur = fw.score(df[df["round"] == "2025"])
    c = cur.compare(prev)
    assert set(c["round_previous"]) == {"2024"} and set(c["round"]) == {"2025"}
    merged = c[c["node"] == "planning"].set_index("unit")["change"]
    assert merged.loc["north"] == pytest.approx(dom.set_index("unit").loc["north", "change"])
    with pytest.raises(ValueError, match="previous: expected a MaturityResult"):
        cur.compare(df)


def test_carry_forward_and_evidence(cqc):
    rows = cqc_rows(cqc, "h", "safe", [3, 3, 3, 3])
    df = pd.DataFrame(rows).assign(round="2024-01-01")
    later = df.iloc[3:].assign(round="2025-01-01")
    both = pd.concat([df, later], ignore_index=True)
    c = cqc.score(both, carry_forward=True).criteria()
    carried = c[(c["round"] == "2025-01-01") & c["carried_forward"]]
    assert len(carried) == 3 and set(carried["carried_from"]) == {"2024-01-01"}
    ev = df.assign(evidence_date=["2022-01-01"] * 3 + ["2024-01-01"] * 9, evidence="doc")
    f = cqc.score(ev, evidence_max_age=365, as_of="2024-06-30").criteria()
    f = f[f["node"].isin(df["criterion"])]
    assert (f["stale_evidence"].sum(), (f["status"] == "not_rated").sum()) == (3, 3)
    assert (f["evidence"] == "doc").all()
    f = cqc.score(ev, evidence_max_age=365, as_of="2024-06-30", stale="flag").criteria()
    assert (f[f["node"].isin(df["criterion"])]["status"] == "rated").all()


def test_rollup(qms_result):
    r = qms_result.rollup()
    top = r[(r["node"] == "overall") & (r["round"] == "2025")].iloc[0]
    assert top["n_units"] == 3 and sum(top["distribution"].values()) == 3
    assert top["weakest"][0] == "north"
    g = qms_result.rollup(by={"north": "A", "south": "A", "east": "B"}, k=1)
    assert set(g["group"]) == {"A", "B"}
    with pytest.raises(ValueError, match="by: unit 'east' has no group"):
        qms_result.rollup(by={"north": "A", "south": "A"})


def test_plots(qms_result, cqc):
    ax = qms_result.plot("profile", unit="north", target="ambition")
    assert ax.get_title(loc="left").startswith("north")
    assert any(t.get_text().strip() for t in ax.texts)
    ax = qms_result.plot("radar", unit="south", target="ambition")
    assert ax.name == "polar"
    ax = qms_result.plot("heatmap")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["east", "north", "south"]
    with pytest.raises(ValueError, match="choose one with unit="):
        qms_result.plot("profile")
    with pytest.raises(ValueError, match="kind: must be"):
        qms_result.plot("pie")
    res = cqc.score(pd.DataFrame(cqc_provider(cqc, "h", "OGGRI")))
    ax = res.plot("profile", target="good")
    ax = res.plot("heatmap", level="element")
    plt.close("all")
    text = mq.alt_text(qms_result, "north", target="ambition")
    assert text.startswith("Quality Management System maturity, north, 2025. Overall:")


def test_every_bundled_framework_scores_and_plans():
    for name in mq.bundled():
        fw = mq.Framework.load(name)
        scale = fw.scales[fw.criteria["scale"].iloc[0]]
        levels = scale["value"].tolist()
        rng = np.random.default_rng(5)
        rows = []
        for u in ("a", "b"):
            for r in ("r1", "r2"):
                for cid, sc in zip(fw.criteria["id"], fw.criteria["scale"]):
                    vals = fw.scales[sc]["value"].tolist() if fw.scales[sc].attrs["kind"] != "banded" else [0, 50, 100]
                    rows.append({"unit": u, "rater": r, "criterion": cid, "rating": vals[int(rng.integers(len(vals)))]})
        res = fw.score(pd.DataFrame(rows))
        assert len(res.summary()) == 2, name
        w = res.what_if().summary()
        assert set(w["outcome"]) <= {"plan", "top_level", "unreachable", "not_rated"}, name
        assert levels
