"""``qm.board_summary``: the front page of an Integrated Quality and Performance Report.

From many indicators' SPC results: the Making Data Count summary matrix (variation of the latest
point × assurance of the target; how many indicators, and which, in each cell) and the list of
indicators needing attention, most severe first. The classification and the order come from
the C++ core (``qm/assurance/board.hpp``); this module gathers the indicators and draws.

>>> board = qm.board_summary({"A&E 4 hours": ae, "RTT 18 weeks": rtt, "Cancer 62 days": cancer})
>>> board.matrix()            # counts: rows assurance, columns variation
>>> board.matrix("names")     # the indicators in each cell
>>> board.attention()         # concern + consistent fail first, … (see README "Board summary")
>>> board.plot()              # the MDC summary matrix with its icons

Severity (1 most severe): 1 concern × consistent fail, 2 concern × hit and miss, 3 common cause
× consistent fail, 4 concern × no target, 5 concern × consistent pass, 6 improvement ×
consistent fail, 7 common cause × hit and miss; every other cell needs no escalation. Within a
tier, the indicator whose target lies furthest on the failing side of its limits comes first
(``target_index``), then the order given.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core

COLUMNS = tuple(_core.BOARD_COLUMNS)  # improvement, common_cause, concern, neutral
ROWS = tuple(_core.BOARD_ROWS)        # consistent_pass, hit_and_miss, consistent_fail, no_target
ACTIONS = tuple(tuple(r) for r in _core.BOARD_ACTIONS)
SEVERITY = tuple(tuple(r) for r in _core.BOARD_SEVERITY)
VARIATION_ICONS = ("common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
                   "neutral_high", "neutral_low")

COLUMN_TITLES = {
    "improvement": "Special cause improvement",
    "common_cause": "Common cause",
    "concern": "Special cause concern",
    "neutral": "Special cause neutral",
}
ROW_TITLES = {
    "consistent_pass": "Consistently passing",
    "hit_and_miss": "Hit and miss",
    "consistent_fail": "Consistently failing",
    "no_target": "No target",
}
#: the icon drawn in each header of the plotted matrix
COLUMN_ICONS = {"improvement": "improvement_high", "common_cause": "common_cause", "concern": "concern_high",
                "neutral": "neutral_high"}
ROW_ICONS = {"consistent_pass": "consistent_pass", "hit_and_miss": "hit_and_miss", "consistent_fail": "consistent_fail",
             "no_target": "empty"}
#: cell shading by severity tier (0: none): MDC concern orange, lightened with falling severity
SEVERITY_FILL = {0: "#FFFFFF", 1: "#F6C8A3", 2: "#F9D9BF", 3: "#F9D9BF", 4: "#FCEADB", 5: "#FCEADB", 6: "#F2F2F2",
                 7: "#F2F2F2"}

Results = Union[Any, pd.DataFrame, Sequence[Any], Mapping[Any, Any]]
_SUMMARY_COLUMNS = ("latest_date", "latest_value", "target", "improvement", "centre", "lower", "upper",
                    "n_special_cause_concern")


@dataclass(frozen=True, repr=False, eq=False)
class BoardSummary:
    """The result of :func:`qualitymetrics.board_summary`.

    ``frame``: one row per indicator (icons, cell, severity, action); ``matrix()``: the
    variation × assurance matrix (counts or names); ``attention()``: the indicators needing
    attention, most severe first; ``plot()``: the MDC summary matrix; ``to_dict()``.
    """

    indicators: pd.DataFrame = field(repr=False)
    columns: Mapping[str, Any] = field(repr=False)

    @property
    def n_indicators(self) -> int:
        return len(self.indicators)

    @cached_property
    def frame(self) -> pd.DataFrame:
        c = self.columns
        col = np.asarray(c["column"], dtype=np.int64)
        row = np.asarray(c["row"], dtype=np.int64)
        sev = np.asarray(c["severity"], dtype=np.int64)
        rank = np.zeros(len(col), dtype=np.int64)
        rank[np.asarray(c["attention"], dtype=np.int64)] = np.arange(1, len(c["attention"]) + 1)
        out = self.indicators.copy()
        out["variation"] = pd.Categorical.from_codes(col, categories=list(COLUMNS))
        out["assurance"] = pd.Categorical.from_codes(row, categories=list(ROWS))
        out["severity"] = sev
        out["attention"] = sev > 0
        out["attention_rank"] = pd.Series(rank, index=out.index).where(rank > 0).astype("Int64")
        out["action"] = [ACTIONS[r][k] for r, k in zip(row, col)]
        return out

    def matrix(self, values: str = "count") -> pd.DataFrame:
        """The variation × assurance matrix: rows assurance (consistent_pass, hit_and_miss,
        consistent_fail, no_target), columns variation (improvement, common_cause, concern,
        neutral). ``values="count"``: how many indicators; ``"names"``: the list of indicators."""
        if values not in ("count", "names"):
            raise ValueError(f"values: must be 'count' or 'names', got {values!r}")
        if values == "count":
            counts = np.asarray(self.columns["counts"], dtype=np.int64)
            return pd.DataFrame(counts, index=pd.Index(ROWS, name="assurance"),
                                columns=pd.Index(COLUMNS, name="variation"))
        f = self.frame
        cells = {(r, c): [] for r in ROWS for c in COLUMNS}
        for name, r, c in zip(f["indicator"], f["assurance"].astype(str), f["variation"].astype(str)):
            cells[(r, c)].append(name)
        return pd.DataFrame([[cells[(r, c)] for c in COLUMNS] for r in ROWS], index=pd.Index(ROWS, name="assurance"),
                            columns=pd.Index(COLUMNS, name="variation"))

    def attention(self) -> pd.DataFrame:
        """The indicators needing attention, most severe first (rank 1 = most severe)."""
        f = self.frame
        order = np.asarray(self.columns["attention"], dtype=np.int64)
        cols = ["attention_rank", "indicator", "group", "severity", "variation", "assurance", "action", "variation_icon",
                "assurance_icon", "latest_date", "latest_value", "target", "target_index"]
        return f.iloc[order][cols].reset_index(drop=True)

    def plot(self, ax: Any = None, *, max_names: int = 6, title: Optional[str] = "Summary of indicators") -> Any:
        """The Making Data Count summary matrix: variation icons across the top, assurance icons
        down the side, the indicators listed in each cell (shaded by severity), counts in the
        corner of each cell (matplotlib Axes)."""
        return _plot_board(self, ax, max_names=max_names, title=title)

    def to_dict(self) -> dict[str, Any]:
        f = self.frame
        names = self.matrix("names")
        return {
            "counts": {r: {c: int(v) for c, v in row.items()} for r, row in self.matrix().iterrows()},
            "names": {r: {c: list(v) for c, v in row.items()} for r, row in names.iterrows()},
            "attention": self.attention().assign(
                variation=lambda d: d["variation"].astype(str), assurance=lambda d: d["assurance"].astype(str),
                attention_rank=lambda d: d["attention_rank"].astype(int)).to_dict(orient="records"),
            "indicators": f.assign(variation=f["variation"].astype(str), assurance=f["assurance"].astype(str),
                                   attention_rank=f["attention_rank"].astype(object)).to_dict(orient="records"),
        }

    def __repr__(self) -> str:
        return f"BoardSummary(indicators={self.n_indicators}, needing_attention={len(self.columns['attention'])})"

    def _repr_html_(self) -> str:
        names = self.matrix("names")
        counts = self.matrix()
        sev = np.asarray(SEVERITY)
        parts = ["<table><thead><tr><th></th>"]
        parts += [f"<th>{html.escape(COLUMN_TITLES[c])}</th>" for c in COLUMNS]
        parts.append("</tr></thead><tbody>")
        for i, r in enumerate(ROWS):
            parts.append(f"<tr><th>{html.escape(ROW_TITLES[r])}</th>")
            for k, c in enumerate(COLUMNS):
                fill = SEVERITY_FILL[int(sev[i][k])]
                items = "<br>".join(html.escape(str(n)) for n in names.loc[r, c])
                parts.append(f'<td style="background:{fill};vertical-align:top"><b>{counts.loc[r, c]}</b>'
                             f"{'<br>' + items if items else ''}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
        att = self.attention()
        head = f"<p><b>Board summary</b>: {self.n_indicators} indicators, {len(att)} needing attention</p>"
        body = att[["attention_rank", "indicator", "variation", "assurance", "action"]].to_html(index=False, na_rep="")
        return head + "".join(parts) + "<p><b>Needing attention</b> (most severe first)</p>" + body


def _plot_board(board: BoardSummary, ax: Any, *, max_names: int, title: Optional[str]) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .funnel import LIMIT_COLOUR, TEXT_COLOUR
    from .icons import draw_assurance_icon, draw_variation_icon

    names = board.matrix("names")
    counts = board.matrix()
    n_lines = max([1] + [min(len(v), max_names + 1) for v in names.to_numpy().ravel()])
    cell_h = 0.35 + 0.17 * n_lines
    if ax is None:
        fig, ax = plt.subplots(figsize=(10.0, 1.0 + 0.9 + 4 * cell_h), layout="constrained")
        fig.set_facecolor("white")
    head_w, head_h = 1.6, 0.9
    cell_w = 2.1
    W, H = head_w + 4 * cell_w, head_h + 4 * cell_h
    ax.set_xlim(-0.02, W + 0.02)  # room for the outer borders
    ax.set_ylim(-0.02, H + 0.02)
    ax.set_aspect("auto")
    ax.set_axis_off()
    sev = np.asarray(SEVERITY)

    def to_axes(x: float, y: float) -> tuple[float, float]:
        return x / W, y / H

    size = min(0.55 * head_h / H, 0.55 * head_w / W)
    for k, c in enumerate(COLUMNS):
        x0 = head_w + k * cell_w
        ax.add_patch(Rectangle((x0, H - head_h), cell_w, head_h, facecolor="#F2F2F2", edgecolor=LIMIT_COLOUR,
                               linewidth=0.6, gid=f"qm-board-header-{c}"))
        cx, cy = to_axes(x0 + 0.45, H - head_h / 2)
        draw_variation_icon(ax, COLUMN_ICONS[c], cx, cy, size)
        ax.text(x0 + 0.85, H - head_h / 2, _two_lines(COLUMN_TITLES[c]), ha="left", va="center", fontsize=8.5,
                color=TEXT_COLOUR, fontweight="bold")
    for i, r in enumerate(ROWS):
        y0 = H - head_h - (i + 1) * cell_h
        ax.add_patch(Rectangle((0, y0), head_w, cell_h, facecolor="#F2F2F2", edgecolor=LIMIT_COLOUR, linewidth=0.6,
                               gid=f"qm-board-header-{r}"))
        cx, cy = to_axes(0.35, y0 + cell_h / 2)
        draw_assurance_icon(ax, ROW_ICONS[r], cx, cy, min(size, 0.6 * cell_h / H))
        ax.text(0.68, y0 + cell_h / 2, _two_lines(ROW_TITLES[r]), ha="left", va="center", fontsize=8.5,
                color=TEXT_COLOUR, fontweight="bold")
        for k, c in enumerate(COLUMNS):
            x0 = head_w + k * cell_w
            ax.add_patch(Rectangle((x0, y0), cell_w, cell_h, facecolor=SEVERITY_FILL[int(sev[i][k])],
                                   edgecolor=LIMIT_COLOUR, linewidth=0.6, gid=f"qm-board-cell-{r}-{c}"))
            n = int(counts.loc[r, c])
            ax.text(x0 + cell_w - 0.08, y0 + cell_h - 0.08, str(n), ha="right", va="top", fontsize=11,
                    fontweight="bold", color=TEXT_COLOUR if n else LIMIT_COLOUR, gid=f"qm-board-count-{r}-{c}")
            items = [str(v) for v in names.loc[r, c]]
            if len(items) > max_names:
                items = items[:max_names] + [f"+ {len(items) - max_names} more"]
            if items:
                shown = [s if len(s) <= 30 else s[:29] + "…" for s in items]
                ax.text(x0 + 0.08, y0 + cell_h - 0.1, "\n".join(shown), ha="left", va="top", fontsize=7.5,
                        color=TEXT_COLOUR, linespacing=1.25)
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT_COLOUR)
    return ax


def _two_lines(text: str) -> str:
    """Break a header after its first word when it has more than one ("Special cause\nconcern")."""
    words = text.split()
    if len(words) < 2:
        return text
    cut = 2 if len(words) > 2 else 1
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def _summary_of(item: Any) -> pd.DataFrame:
    from .charts import SPCResult

    if isinstance(item, SPCResult):
        return item.summary()
    if isinstance(item, pd.DataFrame):
        return item
    raise ValueError(f"results: expected SPCResult objects or their summary() frames, got {type(item).__name__}")


def board_summary(results: Results, *, names: Optional[Sequence[str]] = None) -> BoardSummary:
    """The board summary of many indicators.

    Parameters
    ----------
    results : SPC results of :func:`qualitymetrics.spc` (or their ``summary()`` frames): one, a
        list, or a mapping name -> result. A result with several groups contributes one indicator
        per group ("name – group").
    names : indicator names for a list (default: each result's value column).
    """
    from .charts import SPCResult

    if isinstance(results, (SPCResult, pd.DataFrame)):
        items: list[tuple[Any, Any]] = [(None, results)]
    elif isinstance(results, Mapping):
        items = list(results.items())
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = [(None, r) for r in results]
    else:
        raise ValueError(f"results: expected an SPCResult, a summary frame, or a list or dict of them, "
                         f"got {type(results).__name__}")
    if names is not None:
        if isinstance(results, Mapping):
            raise ValueError("names: a mapping already names its results")
        if len(names) != len(items):
            raise ValueError(f"names: {len(names)} names for {len(items)} results")
        items = [(n, r) for n, (_, r) in zip(names, items)]
    frames = []
    for pos, (key, item) in enumerate(items):
        s = _summary_of(item)
        for col in ("variation_icon", "assurance_icon"):
            if col not in s.columns:
                raise ValueError(f"results: result {key if key is not None else pos!r} has no {col} column "
                                 "(pass SPCResult objects or their summary() frames)")
        if key is None:
            key = item.value_name if isinstance(item, SPCResult) else f"indicator {pos + 1}"
        groups = s["group"].tolist() if "group" in s.columns else [None] * len(s)
        multi = len(s) > 1 or any(g is not None for g in groups)
        part = pd.DataFrame({
            "indicator": [f"{key} – {g}" if multi and g is not None else str(key) for g in groups],
            "source": [key] * len(s),
            "group": groups,
            "variation_icon": s["variation_icon"].astype(object).to_numpy(),
            "assurance_icon": s["assurance_icon"].astype(object).to_numpy(),
        })
        for col in _SUMMARY_COLUMNS:
            part[col] = s[col].to_numpy() if col in s.columns else np.nan
        frames.append(part)
    ind = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["indicator", "source", "group", "variation_icon", "assurance_icon", *_SUMMARY_COLUMNS])
    var = ind["variation_icon"].astype(object)
    var_codes = var.map({k: i for i, k in enumerate(VARIATION_ICONS)}).to_numpy(dtype=np.float64, na_value=-1.0)
    if (var_codes < 0).any():
        i = int(np.flatnonzero(var_codes < 0)[0])
        raise ValueError(f"variation_icon: {var.iloc[i]!r} is not a variation icon (indicator {ind['indicator'].iloc[i]!r})")
    ass = ind["assurance_icon"].astype(object)
    ass_names = ass.where(ass.notna() & (ass != ""), "none")
    ass_codes = ass_names.map({"none": 0, "consistent_pass": 1, "consistent_fail": 2, "hit_and_miss": 3}).to_numpy(
        dtype=np.float64, na_value=-1.0)
    if (ass_codes < 0).any():
        i = int(np.flatnonzero(ass_codes < 0)[0])
        raise ValueError(f"assurance_icon: {ass.iloc[i]!r} is not an assurance icon (indicator {ind['indicator'].iloc[i]!r})")
    var_codes = var_codes.astype(np.int8)
    ass_codes = ass_codes.astype(np.int8)
    ti = np.full(len(ind), np.nan)
    for imp in ("increase", "decrease"):
        sel = (ind["improvement"] == imp).to_numpy()
        if sel.any():
            f = lambda k: np.ascontiguousarray(pd.to_numeric(ind.loc[sel, k], errors="coerce").to_numpy(dtype=np.float64))  # noqa: E731
            ti[sel] = _core.target_index(f("target"), f("centre"), f("lower"), f("upper"), imp)
    ind["target_index"] = ti
    cols = _core.board_summary(np.ascontiguousarray(var_codes), np.ascontiguousarray(ass_codes),
                               np.ascontiguousarray(ti))
    return BoardSummary(indicators=ind, columns=cols)
