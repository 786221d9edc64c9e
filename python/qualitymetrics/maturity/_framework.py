"""``qm.maturity.Framework``: a maturity framework read by the C++ core, and scoring against it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import numpy as np
import pandas as pd

from .. import _core
from . import _assessment as _asm

FrameworkError = _core.MaturityFrameworkError

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "frameworks"
SCHEMA_PATH = FRAMEWORK_DIR / "framework.schema.json"

METHODS = ("weighted_mean", "percent_bands", "count_rules", "weakest_link", "staged", "psoe")
MISSING = ("exclude", "lowest", "not_rated")
AGGREGATIONS = ("median", "median_low", "median_high", "mean", "min", "max", "consensus")
LEVELS = ("element", "domain", "overall")

PathOrName = Union[str, Path]


def bundled() -> list[str]:
    """Names of the frameworks that ship with the library."""
    return sorted(p.stem for p in FRAMEWORK_DIR.glob("*.json") if p.name != SCHEMA_PATH.name)


def frameworks() -> pd.DataFrame:
    """The bundled frameworks: name, id, version, title, number of domains and criteria."""
    rows = []
    for name in bundled():
        fw = Framework.load(name)
        rows.append({"name": name, "id": fw.id, "version": fw.version, "title": fw.name,
                     "domains": int((fw.nodes["kind"] == "domain").sum()), "criteria": len(fw.criteria),
                     "file": str(FRAMEWORK_DIR / f"{name}.json")})
    return pd.DataFrame(rows)


def schema() -> dict:
    """The JSON Schema of the framework format (``qualitymetrics.maturity/1``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _scoring_override(method: Any, missing: Optional[str]) -> str:
    """method= and missing= as the JSON scoring override the core reads."""
    out: dict[str, Any] = {}
    if method is not None:
        def spec(v: Any, where: str) -> Any:
            if isinstance(v, str):
                if v not in METHODS:
                    raise ValueError(f"method: unknown method {v!r} for {where} (known: {', '.join(METHODS)})")
                return {"method": v}
            if isinstance(v, Mapping):
                return dict(v)
            raise ValueError(f"method: expected a method name or a method object for {where}, got {v!r}")
        if isinstance(method, str):
            for lvl in LEVELS:
                out[lvl] = spec(method, lvl)
        elif isinstance(method, Mapping):
            if "method" in method:  # one method object for every level
                for lvl in LEVELS:
                    out[lvl] = dict(method)
            else:
                for k, v in method.items():
                    if k not in LEVELS:
                        raise ValueError(f"method: unknown level {k!r} (expected element, domain or overall)")
                    out[k] = spec(v, k)
        else:
            raise ValueError(f"method: expected a method name or a mapping of level to method, got {method!r}")
    if missing is not None:
        if missing not in MISSING:
            raise ValueError(f"missing: must be one of {', '.join(repr(m) for m in MISSING)}; got {missing!r}")
        out["missing"] = missing
    return json.dumps(out) if out else ""


@dataclass(frozen=True, repr=False, eq=False)
class Framework:
    """A maturity framework: domains → elements → criteria, scales, weights, scoring methods.

    >>> fw = qm.maturity.Framework.load("cqc-style")      # bundled, or a path to a JSON file
    >>> res = fw.score(assessment_df)                      # long format: unit, rater, criterion, rating …
    >>> res.summary(); res.frame; res.what_if(); res.plot()
    """

    _fw: Any = field(repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(cls, path_or_name: PathOrName, *, method: Any = None) -> "Framework":
        """A bundled framework by name (see :func:`frameworks`) or a framework file."""
        scoring = _scoring_override(method, None)
        p = Path(path_or_name)
        if isinstance(path_or_name, str) and not p.suffix and "/" not in path_or_name and "\\" not in path_or_name:
            candidate = FRAMEWORK_DIR / f"{path_or_name}.json"
            if candidate.exists():
                p = candidate
            elif not p.exists():
                raise ValueError(f"path_or_name: no bundled framework {path_or_name!r} (bundled: {', '.join(bundled())}) "
                                 "and no such file")
        return cls(_core.MaturityFramework.load(str(p), scoring))

    @classmethod
    def from_json(cls, text: str, name: str = "<string>") -> "Framework":
        """A framework from JSON text; `name` is used in error messages."""
        return cls(_core.MaturityFramework.parse(text, name, ""))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "<dict>") -> "Framework":
        return cls.from_json(json.dumps(data), name)

    def with_methods(self, method: Any = None, *, missing: Optional[str] = None) -> "Framework":
        """The same framework scored with other methods: `method` is a method name for every
        level, a method object, or a mapping ``{"element"|"domain"|"overall": name or object}``;
        `missing` replaces the missing-evidence policy (``exclude``, ``lowest``, ``not_rated``)."""
        scoring = _scoring_override(method, missing)
        if not scoring:
            return self
        return Framework(self._fw.with_scoring(scoring))

    # ------------------------------------------------------------------ description
    @property
    def id(self) -> str:
        return self._fw.id

    @property
    def version(self) -> str:
        return self._fw.version

    @property
    def name(self) -> str:
        return self._fw.name

    @property
    def description(self) -> str:
        return self._fw.description

    @property
    def file(self) -> str:
        return self._fw.file

    @property
    def missing(self) -> str:
        """The framework's missing-evidence policy (each method may set its own)."""
        return self._fw.missing

    @cached_property
    def _raw_nodes(self) -> dict:
        return self._fw.nodes()

    @cached_property
    def _scales(self) -> list:
        return self._fw.scales()

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Every node (overall, domains, elements, criteria) in framework order."""
        d = self._raw_nodes
        ids = list(d["id"])
        parent = d["parent"]
        kinds = list(d["kind"])
        domain, element = [], []
        for k in range(len(ids)):
            dd = ee = None
            a = k
            while a >= 0:
                if kinds[a] == "domain":
                    dd = ids[a]
                elif kinds[a] == "element":
                    ee = ids[a]
                a = int(parent[a])
            domain.append(dd)
            element.append(ee)
        scale_ids = [s["id"] for s in self._scales]
        def sid(i: int) -> Optional[str]:
            return None if i < 0 else scale_ids[i]
        return pd.DataFrame({
            "id": ids, "kind": kinds, "name": list(d["name"]),
            "parent": [None if p < 0 else ids[p] for p in parent],
            "domain": domain, "element": element,
            "weight": d["weight"], "points": d["points"], "scored": d["scored"].astype(bool),
            "scale": [sid(int(i)) for i in d["out_scale"]],
            "method": [None if m is None else m["method"] for m in d["method"]],
            "role": list(d["role"]), "stage": [s or None for s in d["stage"]],
            "tags": list(d["tags"]), "description": list(d["description"]),
        })

    @property
    def criteria(self) -> pd.DataFrame:
        """The criteria, in framework order."""
        n = self.nodes
        return n[n["kind"] == "criterion"].reset_index(drop=True)

    @cached_property
    def scales(self) -> dict[str, pd.DataFrame]:
        """Each scale's levels (value, code, label, descriptor, and for bands the lower bound)."""
        out = {}
        for s in self._scales:
            df = pd.DataFrame(s["levels"])
            if s["kind"] != "banded":
                df = df.drop(columns=["lower", "strict"])
            df.attrs["kind"] = s["kind"]
            out[s["id"]] = df
        return out

    @cached_property
    def targets(self) -> dict[str, dict[str, str]]:
        """Target profiles: target id → {node id: level label}."""
        ids = self._raw_nodes["id"]
        out: dict[str, dict[str, str]] = {}
        for tid, t in self._fw.targets().items():
            out[tid] = {ids[n]: self._level_label(n, lv) for n, lv in t["levels"]}
        return out

    def methods(self) -> pd.DataFrame:
        """The scoring method of every aggregate node, with its missing-evidence policy and caps."""
        d = self._raw_nodes
        rows = []
        for i, m in enumerate(d["method"]):
            if m is None:
                continue
            rows.append({"node": d["id"][i], "kind": d["kind"][i], "method": m["method"], "missing": m["missing"],
                         "over": m["over"], "use": m["use"], "scale": m["scale"],
                         "caps": [f"{c['reason']} (at most {c['max']})" for c in m["caps"]], "defined_at": m["pointer"]})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The framework as JSON data (as written in its file)."""
        return json.loads(self._fw.text)

    def __repr__(self) -> str:
        return (f"Framework(id={self.id!r}, version={self.version!r}, domains={int((self.nodes['kind'] == 'domain').sum())}, "
                f"criteria={len(self.criteria)})")

    def _repr_html_(self) -> str:
        n = self.nodes
        head = (f"<p><b>{self.name}</b> ({self.id} {self.version}): {int((n['kind'] == 'domain').sum())} domains, "
                f"{int((n['kind'] == 'element').sum())} elements, {len(self.criteria)} criteria</p>")
        return head + self.methods()[["node", "kind", "method", "missing", "scale"]].to_html(index=False)

    # ------------------------------------------------------------------ lookups used by the result
    @cached_property
    def _node_index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self._raw_nodes["id"])}

    @cached_property
    def _criterion_ids(self) -> list[str]:
        d = self._raw_nodes
        return [d["id"][i] for i in range(len(d["id"])) if d["kind"][i] == "criterion"]

    @cached_property
    def _criterion_pos(self) -> np.ndarray:
        return np.asarray(self._raw_nodes["criterion"], dtype=np.int64)

    @cached_property
    def _kind(self) -> list[str]:
        return list(self._raw_nodes["kind"])

    @cached_property
    def _node_scale(self) -> np.ndarray:
        return np.asarray(self._raw_nodes["out_scale"], dtype=np.int64)

    @cached_property
    def _subscores(self) -> list[dict[str, int]]:
        return [{s[0]: j for j, s in enumerate(subs)} for subs in self._raw_nodes["subscores"]]

    def _scale_description(self, i: int) -> str:
        return self._fw.scale_description(i)

    def _level_label(self, node: int, level_index: int) -> str:
        s = int(self._node_scale[node])
        return self._scales[s]["levels"][int(level_index)]["label"]

    def _level_words(self, node: int) -> str:
        s = int(self._node_scale[node])
        if s < 0:
            return "it has no levels"
        return "levels: " + ", ".join(l["label"] for l in self._scales[s]["levels"])

    @cached_property
    def _label_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, codes, offset per node) so that labels[offset[node] + level_index] is the label."""
        labels: list[str] = []
        codes: list[str] = []
        scale_off = []
        for s in self._scales:
            scale_off.append(len(labels))
            labels += [l["label"] for l in s["levels"]]
            codes += [l["code"] or l["label"] for l in s["levels"]]
        ns = self._node_scale
        off = np.array([scale_off[s] if s >= 0 else -1 for s in ns], dtype=np.int64)
        return np.array(labels + [None], dtype=object), np.array(codes + [None], dtype=object), off

    def _resolve_level(self, node: int, level: Any) -> int:
        s = int(self._node_scale[node])
        ident = self._raw_nodes["id"][node]
        if s < 0:
            raise ValueError(f"target: {ident!r} has no levels (its method gives a score only)")
        levels = self._scales[s]["levels"]
        for i, l in enumerate(levels):
            if level == l["label"] or (l["code"] and level == l["code"]):
                return i
            try:
                if float(level) == l["value"]:
                    return i
            except (TypeError, ValueError):
                pass
        raise ValueError(f"target: {level!r} is not a level of {ident!r} ({self._level_words(node)})")

    # ------------------------------------------------------------------ scoring
    def read_assessment(self, path: PathOrName) -> pd.DataFrame:
        """An assessment CSV as a DataFrame of text ("NA" stays Not Applicable)."""
        return _asm.read_csv(path)

    def score(
        self,
        data: Any,
        *,
        method: Any = None,
        missing: Optional[str] = None,
        aggregate: str = "median",
        carry_forward: bool = False,
        disagreement: float = 1.0,
        evidence_max_age: Optional[int] = None,
        evidence_required: Optional[bool] = None,
        stale: Optional[str] = None,
        as_of: Any = None,
        unit: str = "unit",
        round: Optional[str] = "round",
        rater: Optional[str] = "rater",
        criterion: str = "criterion",
        rating: str = "rating",
        subscore: Optional[str] = "subscore",
        evidence: Optional[str] = "evidence",
        evidence_date: Optional[str] = "evidence_date",
        evidence_expires: Optional[str] = "evidence_expires",
        assessed_on: Optional[str] = "assessed_on",
        consensus: Optional[str] = "consensus",
        reason: Optional[str] = "reason",
        threads: int = 0,
    ) -> "MaturityResult":
        """Scores an assessment (a long DataFrame or a CSV path): every unit, round and node.

        Parameters
        ----------
        data : DataFrame or path of a CSV file, one row per rating (see the module docstring).
        method : replaces the framework's methods: a name for every level (``"weighted_mean"``,
            ``"weakest_link"``, ``"staged"``, ``"percent_bands"``, ``"count_rules"``, ``"psoe"``), a
            method object, or ``{"element"|"domain"|"overall": name or object}``.
        missing : the missing-evidence policy at every level: ``"exclude"`` (dropped, weights
            re-normalised), ``"lowest"`` (scored as the lowest level) or ``"not_rated"`` (makes the
            result Not Rated). Default: the framework's.
        aggregate : how raters combine per criterion: ``median`` (mean of the middle two for an even
            count), ``median_low``, ``median_high``, ``mean``, ``min``, ``max``, ``consensus``.
        carry_forward : a criterion not rated in a round takes its latest earlier rating.
        disagreement : flag criteria whose raters differ by more than this many levels.
        evidence_max_age, evidence_required, stale : replace the framework's evidence policy
            (days; a rating without dated evidence is Not Rated; ``"not_rated"`` or ``"flag"``).
        as_of : the date evidence age is judged at (default: each row's ``assessed_on``).
        unit, round, rater, criterion, rating, subscore, evidence, evidence_date,
        evidence_expires, assessed_on, consensus, reason : column names (optional columns may
            be absent).
        """
        if aggregate not in AGGREGATIONS:
            raise ValueError(f"aggregate: must be one of {', '.join(repr(a) for a in AGGREGATIONS)}; got {aggregate!r}")
        if stale is not None and stale not in ("not_rated", "flag"):
            raise ValueError(f"stale: must be 'not_rated' or 'flag'; got {stale!r}")
        if missing is not None and missing not in MISSING:
            raise ValueError(f"missing: must be one of {', '.join(repr(m) for m in MISSING)}; got {missing!r}")
        if isinstance(disagreement, bool) or not isinstance(disagreement, (int, float, np.integer, np.floating)) or not disagreement >= 0:
            raise ValueError(f"disagreement: expected a non-negative number, got {disagreement!r}")
        fw = self.with_methods(method) if method is not None else self
        source = None
        if isinstance(data, (str, Path)):
            source = str(data)
            df = _asm.read_csv(data)
            df.index = pd.RangeIndex(2, len(df) + 2, name="line")  # rows named by their line in the file
        else:
            df = data
        names = {"unit": unit, "round": round, "rater": rater, "criterion": criterion, "rating": rating, "subscore": subscore,
                 "evidence": evidence, "evidence_date": evidence_date, "evidence_expires": evidence_expires,
                 "assessed_on": assessed_on, "consensus": consensus, "reason": reason}
        try:
            return self._score(fw, df, names, source, missing, aggregate, carry_forward, disagreement, evidence_max_age,
                               evidence_required, stale, as_of, method, threads)
        except FrameworkError:
            raise
        except ValueError as exc:
            if source is None:
                raise
            msg = str(exc).replace(" at row ", " at line ").replace("row ", "line ")
            raise ValueError(f"{source}: {msg}") from None

    def _score(self, fw: "Framework", df: pd.DataFrame, names: Mapping[str, Optional[str]], source: Optional[str],
               missing: Optional[str], aggregate: str, carry_forward: bool, disagreement: float, evidence_max_age: Optional[int],
               evidence_required: Optional[bool], stale: Optional[str], as_of: Any, method: Any, threads: int) -> "MaturityResult":
        from ._result import MaturityResult

        prep = _asm.prepare(fw, df, names)
        as_of_days = None
        if as_of is not None:
            ts = pd.Timestamp(as_of)
            if pd.isna(ts):
                raise ValueError(f"as_of: cannot read {as_of!r} as a date")
            as_of_days = int(np.datetime64(ts.date(), "D").astype(np.int64))
        options = {"aggregate": aggregate, "missing": missing, "carry_forward": bool(carry_forward),
                   "disagreement": float(disagreement), "evidence_max_age_days": evidence_max_age,
                   "evidence_required": evidence_required, "stale": stale, "as_of": as_of_days, "threads": int(threads)}
        try:
            core = _core.maturity_score(fw._fw, dict(prep.arrays), len(prep.units), len(prep.rounds), len(prep.raters),
                                        prep.overrides, options)
        except FrameworkError:
            raise
        except ValueError as exc:
            raise ValueError(_asm.relabel(str(exc), prep.row_labels)) from None
        return MaturityResult(framework=fw, options={**options, "method": method, "as_of": as_of}, units=prep.units,
                              rounds=prep.rounds, raters=prep.raters, core=core, columns=core.columns(), prepared=prep)
