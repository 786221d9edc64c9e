"""Assessment tables (long format) to the arrays the C++ core scores.

One row per rating: ``unit``, ``round``, ``rater``, ``criterion``, ``rating`` and optionally
``subscore``, ``evidence`` (references), ``evidence_date``, ``evidence_expires``,
``assessed_on``, ``consensus`` and ``reason``. Every check names the column and the row
(the DataFrame index label). Ratings are a level's code, label or value; ``NA``/``N/A`` means
Not Applicable, an empty cell or ``NR`` Not Rated. A row with ``consensus`` true (or rater
``consensus``) is a consensus override: it needs a ``reason``, and its criterion column may
name an element, a domain or ``overall``, whose level it then sets.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

NO_DATE = np.iinfo(np.int64).min
COLUMNS = ("unit", "round", "rater", "criterion", "rating", "subscore", "evidence", "evidence_date",
           "evidence_expires", "assessed_on", "consensus", "reason")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


@dataclass(frozen=True)
class Prepared:
    """The assessment as codes and arrays (what ``_core.maturity_score`` takes)."""

    arrays: Mapping[str, Optional[np.ndarray]]
    units: pd.Index
    rounds: pd.Index
    raters: pd.Index
    overrides: list = field(repr=False)
    override_reasons: list = field(repr=False)
    row_labels: pd.Index = field(repr=False)
    evidence: Optional[pd.Series] = field(repr=False, default=None)


def read_csv(path: Any) -> pd.DataFrame:
    """An assessment CSV as text columns: "NA" stays "NA" (Not Applicable), not a missing value."""
    p = Path(path)
    if not p.exists():
        raise ValueError(f"data: no such file {str(p)!r}")
    return pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])


def _col(df: pd.DataFrame, name: Optional[str], argument: str, required: bool) -> Optional[pd.Series]:
    if name is None:
        if required:
            raise ValueError(f"{argument}: a column name is required")
        return None
    if name in df.columns:
        return df[name]
    if required:
        cols = ", ".join(map(str, list(df.columns)[:15]))
        raise ValueError(f"{argument}: column {name!r} is not in the data (columns: {cols})")
    return None


def _row(labels: pd.Index, i: int) -> str:
    return repr(labels[i])


def _text_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, texts): each cell's code into `texts`, the distinct stripped texts ('' for missing, last).
    The work is done once per distinct value, not per row."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    texts = np.array([str(x).strip() for x in uniques] + [""], dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = len(texts) - 1
    return codes, texts


def _text(s: pd.Series) -> np.ndarray:
    """Text of each cell, stripped ('' for missing), as an object array."""
    codes, texts = _text_codes(s)
    return texts[codes]


def _ordered(s: pd.Series, argument: str) -> tuple[np.ndarray, pd.Index]:
    """Codes of rounds in time order: ordered categories, dates, numbers, ISO-date text, numeric text, else text."""
    if s.isna().any():
        raise ValueError(f"{argument}: missing value at row {s.index[int(np.flatnonzero(s.isna().to_numpy())[0])]!r}")
    if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered:
        codes = s.cat.codes.to_numpy()
        used = np.unique(codes)
        remap = np.full(len(s.cat.categories), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        return np.ascontiguousarray(remap[codes], dtype=np.int64), pd.Index(s.cat.categories[used])
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        codes, uniques = pd.factorize(s, sort=True)
        return np.ascontiguousarray(codes, dtype=np.int64), pd.Index(uniques)
    codes, uniques = pd.factorize(s.astype(str), sort=False)
    u = pd.Index(uniques)
    key: Any = None
    as_dates = pd.to_datetime(pd.Series(list(u)), format="%Y-%m-%d", errors="coerce")
    if not as_dates.isna().any():
        key = as_dates.to_numpy()
    else:
        as_num = pd.to_numeric(pd.Series(list(u)), errors="coerce")
        if not as_num.isna().any():
            key = as_num.to_numpy()
    order = np.argsort(key, kind="stable") if key is not None else np.argsort(np.array(list(u), dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.ascontiguousarray(rank[codes], dtype=np.int64), u[order]


def _days(s: Optional[pd.Series], argument: str) -> Optional[np.ndarray]:
    if s is None:
        return None
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = s
        if getattr(dt.dt, "tz", None) is not None:
            dt = dt.dt.tz_localize(None)
    else:
        txt = s.astype(object).where(s.notna(), None)
        txt = txt.map(lambda x: None if x is None or (isinstance(x, str) and x.strip() == "") else x)
        dt = pd.to_datetime(txt, errors="coerce")
        bad = dt.isna().to_numpy() & txt.notna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{argument}: {s.iloc[i]!r} at row {s.index[i]!r} is not a date")
    out = dt.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    out[dt.isna().to_numpy()] = NO_DATE
    return np.ascontiguousarray(out)


def _truthy(s: pd.Series, argument: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).to_numpy(dtype=bool)
    txt = _text(s)
    low = np.array([t.lower() for t in txt], dtype=object)
    ok = np.array([t in _TRUE or t in _FALSE for t in low])
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"{argument}: expected true/false, got {s.iloc[i]!r} at row {s.index[i]!r}")
    return np.array([t in _TRUE for t in low], dtype=bool)


def _suggest(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def prepare(fw: Any, df: pd.DataFrame, names: Mapping[str, Optional[str]]) -> Prepared:
    """Checks an assessment table against framework `fw` (a Framework) and codes it."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"data: expected a pandas DataFrame or a CSV path, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError("data: the assessment has no rows")
    unit = _col(df, names["unit"], "unit", True)
    crit = _col(df, names["criterion"], "criterion", True)
    rating = _col(df, names["rating"], "rating", True)
    explicit = {k for k, v in names.items() if v is not None and v != k}
    cols = {}
    for k in ("round", "rater", "subscore", "evidence", "evidence_date", "evidence_expires", "assessed_on", "consensus", "reason"):
        cols[k] = _col(df, names[k], k, k in explicit)
    assert unit is not None and crit is not None and rating is not None

    labels = df.index
    n = len(df)
    if unit.isna().any():
        i = int(np.flatnonzero(unit.isna().to_numpy())[0])
        raise ValueError(f"unit: missing unit at row {labels[i]!r}")

    # consensus rows
    cons = np.zeros(n, dtype=bool)
    if cols["consensus"] is not None:
        cons |= _truthy(cols["consensus"], "consensus")
    rater_txt = None
    if cols["rater"] is not None:
        rcodes_t, rtexts = _text_codes(cols["rater"])
        rater_txt = rtexts
        cons |= np.array([t.lower() == "consensus" for t in rtexts], dtype=bool)[rcodes_t]
        missing_rater = (rtexts == "")[rcodes_t] & ~cons
        if missing_rater.any():
            raise ValueError(f"rater: missing rater at row {labels[int(np.flatnonzero(missing_rater)[0])]!r}")
    reasons = _text(cols["reason"]) if cols["reason"] is not None else np.full(n, "", dtype=object)
    no_reason = cons & (reasons == "")
    if no_reason.any():
        raise ValueError(f"reason: the consensus override at row {labels[int(np.flatnonzero(no_reason)[0])]!r} "
                         "needs a recorded reason")

    # codes
    ucodes, units = pd.factorize(unit, sort=True)
    units = pd.Index(units)
    if cols["round"] is not None:
        rcodes, rounds = _ordered(cols["round"], "round")
    else:
        rcodes, rounds = np.zeros(n, dtype=np.int64), pd.Index([1])
    if rater_txt is not None:
        # codes of the raters (consensus rows are not raters), in sorted order of their names
        used = np.unique(rcodes_t[~cons])
        order = sorted(used.tolist(), key=lambda c: rtexts[c])
        remap = np.full(len(rtexts), -1, dtype=np.int64)
        remap[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        kcodes = np.where(cons, 0, remap[rcodes_t]).astype(np.int64)
        raters = pd.Index([rtexts[c] for c in order], dtype=object)
    else:
        kcodes, raters = np.zeros(n, dtype=np.int64), pd.Index(["rater"])
    if len(raters) == 0:
        raters = pd.Index(["rater"])

    # criteria (node indices); consensus rows may name any node
    ccodes, ctexts = _text_codes(crit)

    class _Lazy:  # the criterion text of a row, only looked up for messages
        def __getitem__(self, i: int) -> str:
            return str(ctexts[ccodes[i]])

    ctext = _Lazy()
    node_of = fw._node_index
    node = np.array([node_of.get(t, -1) for t in ctexts], dtype=np.int64)[ccodes]
    bad = node < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"criterion: unknown criterion {ctext[i]!r} at row {labels[i]!r} (framework {fw.id!r} {fw.version})"
                         + _suggest(ctext[i], fw._criterion_ids))
    crit_pos = fw._criterion_pos[node]  # -1 for aggregates
    agg = (crit_pos < 0) & ~cons
    if agg.any():
        i = int(np.flatnonzero(agg)[0])
        raise ValueError(f"criterion: {ctext[i]!r} at row {labels[i]!r} is {fw._kind[node[i]]}, not a criterion; only a "
                         "consensus override may rate it directly")

    # sub-scores
    sub = np.full(n, -1, dtype=np.int64)
    if cols["subscore"] is not None:
        stext = _text(cols["subscore"])
        has = stext != ""
        if (has & cons).any():
            i = int(np.flatnonzero(has & cons)[0])
            raise ValueError(f"subscore: a consensus override replaces a whole criterion (row {labels[i]!r}); leave subscore empty")
        for i in np.flatnonzero(has):
            subs = fw._subscores[node[i]]
            if stext[i] not in subs:
                known = ", ".join(subs) if subs else "none"
                raise ValueError(f"subscore: criterion {ctext[i]!r} has no sub-score {stext[i]!r} (row {labels[i]!r}; it has {known})")
            sub[i] = subs[stext[i]]

    # ratings
    values = np.full(n, np.nan)
    status = np.full(n, 2, dtype=np.uint8)
    if pd.api.types.is_bool_dtype(rating.dtype):
        raise ValueError(f"rating: column {rating.name!r} is boolean; expected levels or numbers")
    numeric = pd.api.types.is_numeric_dtype(rating.dtype)
    if numeric:
        # numbers go straight to the core, which checks each against its criterion's scale
        v = rating.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(v).any():
            i = int(np.flatnonzero(np.isinf(v))[0])
            raise ValueError(f"rating: infinite value at row {labels[i]!r}")
        values[:] = v
        status[:] = np.where(np.isnan(v), 2, 0).astype(np.uint8)
        texts = np.array(["" if np.isnan(x) else _num_text(repr(float(x))) for x in v[cons]], dtype=object)
        full_texts = np.full(n, "", dtype=object)
        full_texts[cons] = texts
        texts = full_texts
    else:
        tcodes, ttexts = _text_codes(rating)
        texts = _LazyTexts(tcodes, ttexts)
        idx = np.flatnonzero(~cons)
        if len(idx):
            # each distinct (criterion, text) pair is read once by the core
            key = crit_pos[idx] * len(ttexts) + tcodes[idx]
            ukey, codes = np.unique(key, return_inverse=True)
            codes = codes.ravel()
            u_crit = np.ascontiguousarray(ukey // len(ttexts), dtype=np.int64)
            u_text = [str(ttexts[k]) for k in (ukey % len(ttexts))]
            vals, st, bad_i = fw._fw.parse_ratings(u_crit, u_text)
            if bad_i is not None:
                j = int(np.flatnonzero(codes == bad_i)[0])
                i = idx[j]
                raise ValueError(f"rating: {texts[i]!r} at row {labels[i]!r} is not on scale "
                                 f"{fw._scale_description(int(fw._node_scale[node[i]]))} of criterion {ctext[i]!r} "
                                 "(nor NA or NR)")
            values[idx] = vals[codes]
            status[idx] = st[codes]

    # overrides
    overrides: list = []
    override_reasons: list = []
    for i in np.flatnonzero(cons):
        t = str(texts[i])
        low = t.lower()
        if low in ("na", "n/a", "not applicable", "not_applicable"):
            val, stv = np.nan, 1
        elif low in ("", "nr", "not rated", "not_rated"):
            val, stv = np.nan, 2
        else:
            lv = fw._fw.level_value(int(node[i]), t)
            if lv is None:
                raise ValueError(f"rating: {t!r} at row {labels[i]!r} is not a level of {ctext[i]!r} "
                                 f"({fw._level_words(int(node[i]))})")
            val, stv = float(lv), 0
        overrides.append((int(ucodes[i]), int(rcodes[i]), int(node[i]), val, stv, str(reasons[i])))
        override_reasons.append(str(reasons[i]))

    keep = ~cons
    arrays: dict[str, Optional[np.ndarray]] = {
        "unit": np.ascontiguousarray(ucodes[keep], dtype=np.int64),
        "round": np.ascontiguousarray(rcodes[keep], dtype=np.int64),
        "rater": np.ascontiguousarray(kcodes[keep], dtype=np.int64),
        "criterion": np.ascontiguousarray(crit_pos[keep], dtype=np.int64),
        "subscore": np.ascontiguousarray(sub[keep], dtype=np.int64),
        "rating": np.ascontiguousarray(values[keep]),
        "status": np.ascontiguousarray(status[keep]),
    }
    for k in ("evidence_date", "evidence_expires", "assessed_on"):
        d = _days(cols[k], k)
        arrays[k] = None if d is None else np.ascontiguousarray(d[keep])
    evidence = None
    if cols["evidence"] is not None:
        evidence = pd.Series(_text(cols["evidence"])[keep])
    return Prepared(arrays=arrays, units=units, rounds=rounds, raters=raters, overrides=overrides,
                    override_reasons=override_reasons, row_labels=labels[keep], evidence=evidence)


class _LazyTexts:
    """texts[codes[i]] on demand (no per-row object array)."""

    def __init__(self, codes: np.ndarray, texts: np.ndarray) -> None:
        self.codes, self.texts = codes, texts

    def __getitem__(self, i: int) -> str:
        return str(self.texts[self.codes[i]])


def _num_text(t: str) -> str:
    if t == "":
        return ""
    x = float(t)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


_ROW_RE = re.compile(r"^([A-Za-z_][\w. ]*)\[(\d+)\]: ")


def relabel(message: str, labels: pd.Index) -> str:
    """'rating[17]: …' from the core, with positions replaced by the DataFrame's row labels."""
    m = _ROW_RE.match(message)
    if not m or m.group(1).startswith("overrides"):
        return message
    i = int(m.group(2))
    if i >= len(labels):
        return message
    rest = message[m.end():]
    rest = re.sub(r"\brow (\d+)\b", lambda mm: f"row {labels[int(mm.group(1))]!r}" if int(mm.group(1)) < len(labels) else mm.group(0), rest)
    return f"{m.group(1)} at row {labels[i]!r}: {rest}"
