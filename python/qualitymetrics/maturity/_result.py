"""Results of maturity scoring: the scores, gaps, what-if plans, agreement, change and roll-up."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from .. import _core
from ._framework import Framework

STATUS = ("rated", "not_applicable", "not_rated")
FLAGS = tuple(_core.MATURITY_FLAGS)
OUTCOMES = tuple(_core.MATURITY_WHAT_IF_OUTCOMES)
JUDGEMENTS = tuple(_core.MATURITY_JUDGEMENTS)
METRICS = ("nominal", "ordinal", "interval", "ratio")
KINDS = ("overall", "domain", "element", "criterion")


def _cat(values: Sequence[Any], codes: np.ndarray, ordered: bool = False) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=pd.Index(values), ordered=ordered)


@dataclass(frozen=True, repr=False, eq=False)
class MaturityResult:
    """The scores of an assessment: every unit, round and node of the framework.

    ``frame``: one row per (unit, round, node) — ``level`` (value), ``label``, ``score``,
    ``percent``, ``status``, flags …; ``summary()``: one row per unit and round;
    ``criteria()``: the criteria with their raters; ``gaps(target)``, ``what_if()``,
    ``compare(previous)``, ``changes()``, ``agreement()``, ``rollup()``, ``plot()``, ``to_dict()``.
    The arrays in ``columns`` are read-only views of the C++ result (no copy).
    """

    framework: Framework
    options: Mapping[str, Any]
    units: pd.Index
    rounds: pd.Index
    raters: pd.Index
    core: Any = field(repr=False)
    columns: Mapping[str, np.ndarray] = field(repr=False)
    prepared: Any = field(repr=False)

    # ------------------------------------------------------------------ shapes
    @property
    def n_nodes(self) -> int:
        return int(self.core.n_nodes)

    @cached_property
    def _assessed(self) -> np.ndarray:
        """Indices (unit·R + round) of the unit-rounds that have any rating."""
        return np.flatnonzero(self.columns["assessed"].astype(bool))

    @cached_property
    def _rows(self) -> np.ndarray:
        N = self.n_nodes
        return (self._assessed[:, None] * N + np.arange(N)[None, :]).ravel()

    def _unit_round(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ur = rows // self.n_nodes
        R = len(self.rounds)
        return ur // R, ur % R

    def _labels_of(self, rows: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels, codes, off = self.framework._label_table
        li = self.columns["level_index"][rows].astype(np.int64)
        o = off[nodes]
        pos = np.where((li >= 0) & (o >= 0), o + li, len(labels) - 1)
        return labels[pos], codes[pos]

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per unit, round and node (assessed unit-rounds only), in framework order."""
        fw = self.framework
        rows = self._rows
        N = self.n_nodes
        nodes = rows % N
        u, r = self._unit_round(rows)
        c = self.columns
        ids = fw.nodes["id"].to_numpy(dtype=object)
        label, code = self._labels_of(rows, nodes)
        kinds = np.array([KINDS.index(k) for k in fw.nodes["kind"]], dtype=np.int64)
        data: dict[str, Any] = {
            "unit": _cat(self.units, u),
            "round": _cat(self.rounds, r, ordered=True),
            "node": pd.Categorical.from_codes(nodes, categories=pd.Index(ids)),
            "kind": _cat(KINDS, kinds[nodes]),
            "name": fw.nodes["name"].to_numpy(dtype=object)[nodes],
            "parent": fw.nodes["parent"].to_numpy(dtype=object)[nodes],
            "level": c["level"][rows],
            "label": label,
            "code": code,
            "level_index": c["level_index"][rows],
            "score": c["score"][rows],
            "percent": c["percent"][rows],
            "points": c["points"][rows],
            "se": c["se"][rows],
            "status": _cat(STATUS, c["status"][rows]),
            "rating": c["rating"][rows],
            "n_items": c["n_items"][rows],
            "n_missing": c["n_missing"][rows],
            "rater_min": c["rater_min"][rows],
            "rater_max": c["rater_max"][rows],
            "spread": c["spread"][rows],
        }
        flags = c["flags"][rows]
        for b, name in enumerate(FLAGS):
            data[name] = (flags & (1 << b)) != 0
        cap = c["cap"][rows]
        reasons = self._cap_reasons
        data["cap"] = np.array([reasons[nodes[i]][cap[i]] if cap[i] >= 0 else None for i in range(len(rows))], dtype=object) \
            if (cap >= 0).any() else np.full(len(rows), None, dtype=object)
        cf = c["carried_from"][rows]
        data["carried_from"] = np.array([self.rounds[x] if x >= 0 else None for x in cf], dtype=object) \
            if (cf >= 0).any() else np.full(len(rows), None, dtype=object)
        oi = c["override_index"][rows]
        ors = self.prepared.override_reasons
        data["override_reason"] = np.array([ors[x] if x >= 0 else None for x in oi], dtype=object) \
            if (oi >= 0).any() else np.full(len(rows), None, dtype=object)
        out = pd.DataFrame(data)
        ev = self._evidence_refs
        if ev is not None:
            out["evidence"] = ev.reindex(list(zip(u, r, nodes))).to_numpy(dtype=object)
        return out

    @cached_property
    def _cap_reasons(self) -> list[list[str]]:
        return [[c["reason"] for c in m["caps"]] if m is not None else [] for m in self.framework._raw_nodes["method"]]

    @cached_property
    def _evidence_refs(self) -> Optional[pd.Series]:
        p = self.prepared
        if p.evidence is None:
            return None
        a = p.arrays
        crit_nodes = self.framework._fw.criteria
        df = pd.DataFrame({"u": a["unit"], "r": a["round"], "n": crit_nodes[a["criterion"]], "e": p.evidence.to_numpy(dtype=object)})
        df = df[df["e"] != ""]
        if df.empty:
            return None
        return df.groupby(["u", "r", "n"], sort=False)["e"].agg(lambda s: "; ".join(dict.fromkeys(s)))

    def criteria(self) -> pd.DataFrame:
        """The criteria rows of ``frame`` (ratings, raters' range, flags)."""
        f = self.frame
        return f[f["kind"] == "criterion"].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per unit and round: the overall level, score and status, each domain's level,
        and counts of criteria rated, not rated, in disagreement, on stale evidence, overridden."""
        fw = self.framework
        N = self.n_nodes
        rows = self._rows.reshape(-1, N)
        ur = self._assessed
        R = len(self.rounds)
        c = self.columns
        top = rows[:, 0]
        out: dict[str, Any] = {
            "unit": _cat(self.units, ur // R), "round": _cat(self.rounds, ur % R, ordered=True),
            "level": self._labels_of(top, np.zeros(len(top), dtype=np.int64))[0],
            "score": c["score"][top], "percent": c["percent"][top], "se": c["se"][top],
            "status": _cat(STATUS, c["status"][top]),
        }
        for k, kind in enumerate(fw._kind):
            if kind == "domain":
                col = rows[:, k]
                out[fw.nodes["id"].iloc[k]] = self._labels_of(col, np.full(len(col), k, dtype=np.int64))[0]
        crit = rows[:, np.asarray(fw._fw.criteria, dtype=np.int64)]
        st = c["status"][crit]
        fl = c["flags"][crit]
        bit = {n: 1 << i for i, n in enumerate(FLAGS)}
        out["n_criteria_rated"] = (st == 0).sum(axis=1)
        out["n_not_rated"] = (st == 2).sum(axis=1)
        out["n_disagreements"] = ((fl & bit["disagreement"]) != 0).sum(axis=1)
        out["n_stale"] = ((fl & bit["stale_evidence"]) != 0).sum(axis=1)
        out["n_overridden"] = ((c["flags"][rows] & bit["overridden"]) != 0).sum(axis=1)
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ analysis
    def _target_pairs(self, target: Any) -> tuple[np.ndarray, np.ndarray]:
        fw = self.framework
        if target is None:
            if not fw.targets:
                raise ValueError("target: the framework defines no target profile; give one, e.g. {'overall': 'good'}")
            target = next(iter(fw.targets))
        if isinstance(target, str):
            if target not in fw.targets:
                raise ValueError(f"target: no target profile {target!r} in the framework (it has: {', '.join(fw.targets) or 'none'})")
            target = fw.targets[target]
        if not isinstance(target, Mapping):
            raise ValueError(f"target: expected a target profile name or a mapping of node id to level, got {target!r}")
        nodes, levels = [], []
        kinds = {"domains": "domain", "elements": "element", "criteria": "criterion"}
        expanded: dict[int, Any] = {}
        for key, lvl in target.items():
            if key in kinds:
                for i, k in enumerate(fw._kind):
                    if k == kinds[key]:
                        expanded.setdefault(i, lvl)
        for key, lvl in target.items():
            if key in kinds:
                continue
            if key not in fw._node_index:
                raise ValueError(f"target: unknown node {key!r}")
            expanded[fw._node_index[key]] = lvl
        for node, lvl in sorted(expanded.items()):
            nodes.append(node)
            levels.append(fw._resolve_level(node, lvl))
        return np.asarray(nodes, dtype=np.int64), np.asarray(levels, dtype=np.int64)

    def gaps(self, target: Any = None) -> pd.DataFrame:
        """Gap to a target profile: a framework target's id, or ``{node id | "domains" | … : level}``.

        One row per unit, round and targeted node: current and target level, ``gap_levels``
        (levels short of the target; negative when above it), ``gap_score`` (score short of the
        target level's threshold, where the score is on the level's scale) and ``met``.
        """
        nodes, levels = self._target_pairs(target)
        g = _core.maturity_gaps(self.core, nodes, levels)
        fw = self.framework
        node = g["node"]
        cur = g["current"].astype(np.int64)
        labels = np.array([fw._level_label(int(n), int(c)) if c >= 0 else None for n, c in zip(node, cur)], dtype=object)
        tlabels = np.array([fw._level_label(int(n), int(t)) for n, t in zip(node, g["target"])], dtype=object)
        met = np.array([None if m == 2 else bool(m) for m in g["met"]], dtype=object)
        return pd.DataFrame({
            "unit": _cat(self.units, g["unit"]), "round": _cat(self.rounds, g["round"], ordered=True),
            "node": fw.nodes["id"].to_numpy(dtype=object)[node], "kind": np.array(fw._kind, dtype=object)[node],
            "current": labels, "target": tlabels, "gap_levels": g["gap_levels"], "score": g["score"],
            "target_score": g["target_score"], "gap_score": g["gap_score"], "met": met,
        })

    def what_if(self, node: str = "overall", level: Any = None, *, minimise: bool = True, threads: int = 0) -> "WhatIfResult":
        """The fewest criteria that must improve, and by how much, to lift `node` to the next
        level (or to `level`), for every unit and round."""
        fw = self.framework
        if node not in fw._node_index:
            raise ValueError(f"node: unknown node {node!r}")
        k = fw._node_index[node]
        lvl = None if level is None else fw._resolve_level(k, level)
        w = _core.maturity_what_if(self.core, k, lvl, bool(minimise), int(threads))
        return WhatIfResult(result=self, node=node, raw=w)

    def compare(self, previous: "MaturityResult", *, z: float = 1.96) -> pd.DataFrame:
        """Change since an earlier assessment, judged against rater noise.

        Units and nodes are matched by label and id; for each unit the latest assessed round of
        each result is compared. ``judgement``: improved / declined (beyond z·se of the change),
        within_noise, no_change, not_comparable.
        """
        if not isinstance(previous, MaturityResult):
            raise ValueError(f"previous: expected a MaturityResult, got {type(previous).__name__}")
        if previous.framework.id != self.framework.id:
            raise ValueError(f"previous: scored with framework {previous.framework.id!r}, not {self.framework.id!r}")
        cur = self._latest()
        prev = previous._latest()
        m = cur.merge(prev, on=["unit", "node"], suffixes=("", "_previous"), how="inner")
        if m.empty:
            raise ValueError("previous: no unit is in both results")
        c = _core.maturity_compare(
            np.ascontiguousarray(m["score_previous"].to_numpy(np.float64)), np.ascontiguousarray(m["se_previous"].to_numpy(np.float64)),
            np.ascontiguousarray(m["level_index_previous"].to_numpy(np.int32)), np.ascontiguousarray(m["status_previous"].to_numpy(np.uint8)),
            np.ascontiguousarray(m["score"].to_numpy(np.float64)), np.ascontiguousarray(m["se"].to_numpy(np.float64)),
            np.ascontiguousarray(m["level_index"].to_numpy(np.int32)), np.ascontiguousarray(m["status"].to_numpy(np.uint8)), float(z))
        return self._change_frame(m, c)

    def changes(self, *, z: float = 1.96) -> pd.DataFrame:
        """Change from each round to the next within this result, judged against rater noise."""
        c = _core.maturity_compare_rounds(self.core, float(z))
        rows = self._rows
        u, r = self._unit_round(rows)
        keep = r > 0
        rows, u, r = rows[keep], u[keep], r[keep]
        N = self.n_nodes
        col = self.columns
        m = pd.DataFrame({
            "unit": _cat(self.units, u), "round_previous": _cat(self.rounds, r - 1, ordered=True),
            "round": _cat(self.rounds, r, ordered=True), "node": self.framework.nodes["id"].to_numpy(dtype=object)[rows % N],
            "score_previous": col["score"][rows - N], "score": col["score"][rows],
            "level_previous": self._labels_of(rows - N, rows % N)[0], "level": self._labels_of(rows, rows % N)[0],
        })
        sub = {k: v[rows] for k, v in c.items()}
        return self._change_columns(m, sub)

    def _latest(self) -> pd.DataFrame:
        rows = self._rows
        u, r = self._unit_round(rows)
        N = self.n_nodes
        col = self.columns
        df = pd.DataFrame({"unit": self.units[u].to_numpy(dtype=object), "round": self.rounds[r].to_numpy(dtype=object), "r": r,
                           "node": self.framework.nodes["id"].to_numpy(dtype=object)[rows % N],
                           "score": col["score"][rows], "se": col["se"][rows], "level_index": col["level_index"][rows],
                           "status": col["status"][rows], "level": self._labels_of(rows, rows % N)[0]})
        last = df.groupby("unit")["r"].transform("max")
        return df[df["r"] == last].drop(columns="r")

    def _change_frame(self, m: pd.DataFrame, c: Mapping[str, np.ndarray]) -> pd.DataFrame:
        out = pd.DataFrame({"unit": m["unit"], "round_previous": m["round_previous"], "round": m["round"], "node": m["node"],
                            "score_previous": m["score_previous"], "score": m["score"],
                            "level_previous": m["level_previous"], "level": m["level"]})
        return self._change_columns(out, c)

    @staticmethod
    def _change_columns(out: pd.DataFrame, c: Mapping[str, np.ndarray]) -> pd.DataFrame:
        out = out.reset_index(drop=True)
        out["change"] = c["change"]
        out["change_se"] = c["change_se"]
        out["z"] = c["z"]
        lc = c["level_change"].astype(np.float64)
        lc[c["level_change"] == np.iinfo(np.int32).min] = np.nan
        out["level_change"] = lc
        out["judgement"] = _cat(JUDGEMENTS, c["judgement"])
        out["beyond_noise"] = np.array([None if b == 2 else bool(b) for b in c["beyond_noise"]], dtype=object)
        return out

    def agreement(self, metric: Optional[str] = None, *, tolerance: float = 0.0) -> "AgreementResult":
        """Agreement between raters per criterion (Krippendorff's alpha, percent agreement) and
        per scale. `metric`: ``nominal``, ``ordinal`` (default for ordinal scales), ``interval``
        (default for banded scales) or ``ratio``; `tolerance`: levels within which two ratings
        count as agreeing for the percent agreement."""
        if metric is not None and metric not in METRICS:
            raise ValueError(f"metric: must be one of {', '.join(METRICS)}; got {metric!r}")
        p = self.prepared
        a = _core.maturity_agreement(self.framework._fw, dict(p.arrays), len(self.units), len(self.rounds), len(self.raters),
                                     self._core_options(), metric, float(tolerance))
        return AgreementResult(framework=self.framework, raw=a, tolerance=float(tolerance))

    def _core_options(self) -> dict[str, Any]:
        o = {k: self.options.get(k) for k in ("aggregate", "missing", "carry_forward", "disagreement", "evidence_max_age_days",
                                               "evidence_required", "stale", "as_of", "threads")}
        o["as_of"] = None if self.options.get("as_of") is None else int(
            np.datetime64(pd.Timestamp(self.options["as_of"]).date(), "D").astype(np.int64))
        return o

    def groups(self, by: Mapping[Any, Any]) -> pd.DataFrame:
        """Each group of raters (e.g. staff groups, as MaPSaF compares them) scored on its own, side
        by side: one row per unit, round, node and group, with ``group_spread`` (levels between
        the highest and the lowest group) and ``groups_differ`` (spread above ``disagreement``).
        Consensus overrides are left out: they are the team's view, not a group's."""
        from ._assessment import Prepared

        s = pd.Series(by) if not isinstance(by, pd.Series) else by
        missing = [r for r in self.raters if r not in s.index]
        if missing:
            raise ValueError(f"by: rater {missing[0]!r} has no group")
        gcodes, glabels = pd.factorize(s.reindex(self.raters), sort=True)
        p = self.prepared
        row_group = np.asarray(gcodes, dtype=np.int64)[p.arrays["rater"]]
        frames = []
        cols = ["unit", "round", "node", "kind", "label", "level_index", "score", "status"]
        for gi, g in enumerate(glabels):
            mask = row_group == gi
            arrays = {k: (None if v is None else np.ascontiguousarray(v[mask])) for k, v in p.arrays.items()}
            core = _core.maturity_score(self.framework._fw, arrays, len(self.units), len(self.rounds), len(self.raters), [],
                                        self._core_options())
            sub = MaturityResult(framework=self.framework, options=self.options, units=self.units, rounds=self.rounds,
                                 raters=self.raters, core=core, columns=core.columns(),
                                 prepared=Prepared(arrays=arrays, units=self.units, rounds=self.rounds, raters=self.raters,
                                                   overrides=[], override_reasons=[], row_labels=p.row_labels[mask]))
            frames.append(sub.frame[cols].assign(group=g))
        out = pd.concat(frames, ignore_index=True)
        out["group"] = pd.Categorical(out["group"], categories=pd.Index(glabels))
        rated = out[out["status"] == "rated"]
        spread = rated.groupby(["unit", "round", "node"], observed=True)["level_index"].agg(lambda x: int(x.max() - x.min()))
        out = out.merge(spread.rename("group_spread").reset_index(), on=["unit", "round", "node"], how="left")
        out["groups_differ"] = out["group_spread"] > float(self.options.get("disagreement", 1.0))
        return out[["unit", "round", "node", "kind", "group", "label", "level_index", "score", "status", "group_spread",
                    "groups_differ"]]

    def rollup(self, by: Optional[Mapping[Any, Any]] = None, *, k: int = 3) -> pd.DataFrame:
        """The system view: per node and round (and per group of units when `by` maps unit →
        group), the number of units, the distribution of levels, mean/median/min/max score and
        the `k` weakest units."""
        fw = self.framework
        if by is not None:
            s = pd.Series(by) if not isinstance(by, pd.Series) else by
            missing = [u for u in self.units if u not in s.index]
            if missing:
                raise ValueError(f"by: unit {missing[0]!r} has no group")
            codes, groups = pd.factorize(s.reindex(self.units), sort=True)
            gcodes: Optional[np.ndarray] = np.ascontiguousarray(codes, dtype=np.int64)
            glabels = pd.Index(groups)
        else:
            gcodes, glabels = None, pd.Index(["all"])
        r = _core.maturity_rollup(self.core, gcodes, int(k))
        off = r["level_offsets"]
        counts = r["level_counts"]
        dist = []
        for i, node in enumerate(r["node"]):
            s = int(fw._node_scale[node])
            labs = [] if s < 0 else [l["label"] for l in fw._scales[s]["levels"]]
            dist.append(dict(zip(labs, counts[off[i]:off[i + 1]].tolist())))
        kk = int(r["k"])
        weak = r["weakest"].reshape(-1, kk) if kk else np.empty((len(r["node"]), 0), dtype=np.int64)
        weakest = [[self.units[x] for x in row if x >= 0] for row in weak]
        return pd.DataFrame({
            "group": glabels[r["group"]].to_numpy(dtype=object), "round": _cat(self.rounds, r["round"], ordered=True),
            "node": fw.nodes["id"].to_numpy(dtype=object)[r["node"]], "kind": np.array(fw._kind, dtype=object)[r["node"]],
            "n_units": r["n_units"], "n_rated": r["n_rated"], "mean_score": r["mean_score"], "median_score": r["median_score"],
            "min_score": r["min_score"], "max_score": r["max_score"], "distribution": dist, "weakest": weakest,
        })

    # ------------------------------------------------------------------ output
    def plot(self, kind: str = "profile", **kwargs: Any) -> Any:
        """``"profile"`` (bars per domain or element for one unit, with the target), ``"radar"``
        (the same as a radar chart) or ``"heatmap"`` (levels by unit and domain)."""
        from . import _plot

        if kind == "profile":
            return _plot.plot_profile(self, **kwargs)
        if kind == "radar":
            return _plot.plot_radar(self, **kwargs)
        if kind == "heatmap":
            return _plot.plot_heatmap(self, **kwargs)
        raise ValueError(f"kind: must be 'profile', 'radar' or 'heatmap'; got {kind!r}")

    def to_dict(self) -> dict[str, Any]:
        opts = {k: v for k, v in self.options.items() if k != "threads"}
        return {
            "framework": {"id": self.framework.id, "version": self.framework.version},
            "options": {k: (str(v) if v is not None and not isinstance(v, (bool, int, float, str)) else v) for k, v in opts.items()},
            "noise_sd": dict(zip([s["id"] for s in self.framework._scales], self.columns["noise_sd"].tolist())),
            "summary": self.summary().astype(object).where(lambda d: d.notna(), None).to_dict(orient="records"),
            "nodes": self.frame.drop(columns=list(FLAGS)).astype(object).where(lambda d: d.notna(), None).to_dict(orient="list"),
        }

    def __repr__(self) -> str:
        return (f"MaturityResult(framework={self.framework.id!r} {self.framework.version}, units={len(self.units)}, "
                f"rounds={len(self.rounds)}, raters={len(self.raters)}, aggregate={self.options.get('aggregate')!r}, "
                f"missing={self.options.get('missing') or self.framework.missing!r})")

    def _repr_html_(self) -> str:
        s = self.summary()
        head = (f"<p><b>{self.framework.name}</b> ({self.framework.id} {self.framework.version}): {len(self.units)} unit(s), "
                f"{len(self.rounds)} round(s), {len(self.raters)} rater(s); raters combined by "
                f"{self.options.get('aggregate')}, missing evidence: {self.options.get('missing') or 'framework policy'}</p>")
        more = f"<p>… {len(s) - 50} more rows</p>" if len(s) > 50 else ""
        return head + s.head(50).to_html(index=False, na_rep="") + more


@dataclass(frozen=True, repr=False, eq=False)
class WhatIfResult:
    """What it would take to reach the next level: ``frame`` (one row per change) and
    ``summary()`` (one row per unit and round: outcome, number of changes, new level)."""

    result: MaturityResult
    node: str
    raw: Mapping[str, np.ndarray] = field(repr=False)

    def _label(self, node: int, idx: Any) -> Optional[str]:
        i = int(idx)
        return self.result.framework._level_label(node, i) if i >= 0 else None

    @cached_property
    def frame(self) -> pd.DataFrame:
        w = self.raw
        fw = self.result.framework
        off = w["offsets"]
        counts = np.diff(off)
        u = np.repeat(w["unit"], counts)
        r = np.repeat(w["round"], counts)
        cn = w["change_node"]
        ids = fw.nodes["id"].to_numpy(dtype=object)
        names = fw.nodes["name"].to_numpy(dtype=object)
        frm, to = w["change_from"], w["change_to"]
        return pd.DataFrame({
            "unit": _cat(self.result.units, u), "round": _cat(self.result.rounds, r, ordered=True),
            "criterion": ids[cn], "name": names[cn], "from": frm, "to": to, "increase": to - frm,
            "from_label": [None if np.isnan(a) else self._rating_label(int(c), a) for c, a in zip(cn, frm)],
            "to_label": [self._rating_label(int(c), b) for c, b in zip(cn, to)],
        })

    def _rating_label(self, node: int, v: float) -> Optional[str]:
        fw = self.result.framework
        s = fw._scales[int(fw._node_scale[node])]
        if s["kind"] == "banded":
            return f"{v:g}"
        for l in s["levels"]:
            if l["value"] == v:
                return l["label"]
        return f"{v:g}"

    def summary(self) -> pd.DataFrame:
        w = self.raw
        fw = self.result.framework
        k = fw._node_index[self.node]
        return pd.DataFrame({
            "unit": _cat(self.result.units, w["unit"]), "round": _cat(self.result.rounds, w["round"], ordered=True),
            "node": self.node, "current": [self._label(k, x) for x in w["current"]],
            "target": [self._label(k, x) for x in w["target"]], "outcome": _cat(OUTCOMES, w["outcome"]),
            "n_changes": w["n_changes"], "new_level": [self._label(k, x) for x in w["new_level"]], "new_score": w["new_score"],
            "exact": w["exact"].astype(bool),
        })

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "summary": self.summary().astype(object).to_dict(orient="records"),
                "changes": self.frame.astype(object).to_dict(orient="records")}

    def __repr__(self) -> str:
        n = len(self.raw["unit"])
        return f"WhatIfResult(node={self.node!r}, units={n}, changes={len(self.raw['change_node'])})"

    def _repr_html_(self) -> str:
        return (f"<p><b>What it takes to reach the next level of {self.node}</b></p>" + self.summary().head(50).to_html(index=False, na_rep="")
                + self.frame.head(100).to_html(index=False, na_rep=""))


@dataclass(frozen=True, repr=False, eq=False)
class AgreementResult:
    """Rater agreement: ``frame`` (one row per criterion) and ``summary()`` (one row per scale)."""

    framework: Framework
    raw: Mapping[str, np.ndarray] = field(repr=False)
    tolerance: float = 0.0

    @cached_property
    def frame(self) -> pd.DataFrame:
        a = self.raw
        c = self.framework.criteria
        return pd.DataFrame({
            "criterion": c["id"], "name": c["name"], "scale": c["scale"], "metric": _cat(METRICS, a["metric"]),
            "alpha": a["alpha"], "pairwise_agreement": a["pairwise_agreement"], "exact_agreement": a["exact_agreement"],
            "n_units": a["n_units"], "n_pairable": a["n_pairable"], "n_values": a["n_values"], "n_disagreements": a["n_disagreements"],
        })

    def summary(self) -> pd.DataFrame:
        a = self.raw
        ids = [s["id"] for s in self.framework._scales]
        out = pd.DataFrame({
            "scale": ids, "metric": _cat(METRICS, a["scale_metric"]), "alpha": a["scale_alpha"],
            "pairwise_agreement": a["scale_pairwise_agreement"], "exact_agreement": a["scale_exact_agreement"],
            "n_criteria": a["scale_n_criteria"], "n_pairable": a["scale_n_pairable"], "n_values": a["scale_n_values"],
            "n_disagreements": a["scale_n_disagreements"],
        })
        return out[out["n_criteria"] > 0].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        return {"tolerance": self.tolerance, "criteria": self.frame.astype(object).to_dict(orient="records"),
                "scales": self.summary().astype(object).to_dict(orient="records")}

    def __repr__(self) -> str:
        s = self.summary()
        parts = ", ".join(f"{r.scale}: alpha={r.alpha:.3f}" for r in s.itertuples())
        return f"AgreementResult({parts})"

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False, na_rep="") + self.frame.head(100).to_html(index=False, na_rep="")


def krippendorff_alpha(data: Any, metric: str = "ordinal", *, tolerance: float = 0.0) -> dict[str, float]:
    """Krippendorff's alpha of a reliability data matrix (raters × units, NaN = missing), or of a
    sequence of units, each a sequence of the values given to it."""
    if metric not in METRICS:
        raise ValueError(f"metric: must be one of {', '.join(METRICS)}; got {metric!r}")
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy(dtype=np.float64, na_value=np.nan)
    if isinstance(data, np.ndarray) and data.ndim == 2:
        m = np.asarray(data, dtype=np.float64)
        values = np.ascontiguousarray(m.T.ravel())
        offsets = np.arange(0, values.size + 1, m.shape[0], dtype=np.int64) if m.shape[0] else np.zeros(m.shape[1] + 1, np.int64)
    else:
        units = [np.asarray(u, dtype=np.float64).ravel() for u in data]
        values = np.ascontiguousarray(np.concatenate(units) if units else np.empty(0))
        offsets = np.ascontiguousarray(np.concatenate([[0], np.cumsum([len(u) for u in units])]).astype(np.int64))
    return dict(_core.krippendorff_alpha(values, offsets, metric, float(tolerance)))
