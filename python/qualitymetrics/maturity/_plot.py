"""Maturity charts (matplotlib): a unit's profile as bars or a radar, and levels by unit as a heatmap.

Colours follow the library's Making Data Count palette: the lowest level in the concern
orange (#E46C0A), through NHS mid grey (#AEB7BD), to NHS blue (#005EB8) at the top — orange
means "of concern", blue "good", as on the SPC charts. Targets are dashed red (#de1b1b) like SPC
target lines; Not Rated cells are white, outlined, marked "NR" (Not Applicable: "NA").
Nothing here recomputes a score: levels, scores and labels come from ``MaturityResult.frame``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import icons as _icons

__all__ = ["plot_profile", "plot_radar", "plot_heatmap", "alt_text", "level_colours"]

_RAMP = LinearSegmentedColormap.from_list("qm_maturity", ["#E46C0A", "#AEB7BD", "#005EB8"])
NOT_RATED = "#FFFFFF"
TARGET = _icons.COLOURS["target"]
_TEXT = "#212B32"
_GRID = "#B3B3B3"


def level_colours(n: int) -> list[str]:
    """n colours from the lowest level (orange) to the highest (NHS blue)."""
    if n <= 1:
        return [to_hex(_RAMP(1.0))]
    return [to_hex(_RAMP(i / (n - 1))) for i in range(n)]


def _pick(result: Any, unit: Any, round: Any) -> tuple[Any, Any, pd.DataFrame]:
    f = result.frame
    units = list(pd.unique(f["unit"].astype(object)))
    if unit is None:
        if len(units) != 1:
            shown = ", ".join(repr(u) for u in units[:5]) + (" …" if len(units) > 5 else "")
            raise ValueError(f"unit: the result holds {len(units)} units; choose one with unit=..., e.g. unit={units[0]!r} "
                             f"(available: {shown})")
        unit = units[0]
    sub = f[f["unit"].astype(object) == unit]
    if sub.empty:
        raise ValueError(f"unit: {unit!r} is not in the result")
    rounds = list(pd.unique(sub["round"].astype(object)))
    if round is None:
        round = rounds[-1]
    sub = sub[sub["round"].astype(object) == round]
    if sub.empty:
        raise ValueError(f"round: unit {unit!r} has no assessment in round {round!r} (rounds: {rounds})")
    return unit, round, sub


def _nodes(result: Any, level: str) -> list[int]:
    """The scored nodes of one kind (a node under an unscored one, such as a limiter, is left out)."""
    if level not in ("domain", "element", "criterion"):
        raise ValueError(f"level: must be 'domain', 'element' or 'criterion'; got {level!r}")
    fw = result.framework
    raw = fw._raw_nodes
    parent = raw["parent"]
    scored = raw["scored"].astype(bool)
    out = []
    for i, kind in enumerate(fw._kind):
        if kind != level:
            continue
        ok = True
        a = i
        while a >= 0 and ok:
            ok = bool(scored[a])
            a = int(parent[a])
        if ok:
            out.append(i)
    return out


def _axis_model(result: Any, nodes: Sequence[int]) -> dict[str, Any]:
    """How values are placed: on the common score scale, on common levels, or as a share of the top level."""
    fw = result.framework
    raw = fw._raw_nodes
    out_s = {int(raw["out_scale"][k]) for k in nodes}
    score_s = {int(raw["score_scale"][k]) for k in nodes}
    if len(out_s) == 1 and -1 not in out_s:
        s = out_s.pop()
        scale = fw._scales[s]
        if score_s == {s}:
            return {"mode": "score", "scale": scale}
        return {"mode": "level", "scale": scale}
    return {"mode": "share", "scale": None}


def _values(result: Any, sub: pd.DataFrame, nodes: Sequence[int], model: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x positions, level indices, number of levels) of the nodes in `sub` (NaN when not rated)."""
    fw = result.framework
    ids = fw.nodes["id"]
    by_node = sub.set_index(sub["node"].astype(object))
    x = np.full(len(nodes), np.nan)
    li = np.full(len(nodes), -1, dtype=np.int64)
    nl = np.zeros(len(nodes), dtype=np.int64)
    for j, k in enumerate(nodes):
        row = by_node.loc[ids.iloc[k]]
        s = int(fw._node_scale[k])
        nl[j] = len(fw._scales[s]["levels"]) if s >= 0 else 0
        if row["status"] != "rated" or row["level_index"] < 0:
            continue
        li[j] = int(row["level_index"])
        if model["mode"] == "score":
            x[j] = float(row["score"])
        elif model["mode"] == "level":
            x[j] = li[j] + 1.0
        else:
            x[j] = 100.0 * li[j] / max(1, nl[j] - 1)
    return x, li, nl


def _target_x(result: Any, nodes: Sequence[int], target: Any, model: dict[str, Any]) -> np.ndarray:
    out = np.full(len(nodes), np.nan)
    if target is None:
        return out
    fw = result.framework
    tn, tl = result._target_pairs(target)
    want = dict(zip(tn.tolist(), tl.tolist()))
    for j, k in enumerate(nodes):
        if k not in want:
            continue
        lv = want[k]
        s = fw._scales[int(fw._node_scale[k])]
        if model["mode"] == "score":
            lev = s["levels"][lv]
            out[j] = lev["lower"] if s["kind"] == "banded" else lev["value"]
        elif model["mode"] == "level":
            out[j] = lv + 1.0
        else:
            out[j] = 100.0 * lv / max(1, len(s["levels"]) - 1)
    return out


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_TEXT)


def plot_profile(result: Any, unit: Any = None, round: Any = None, *, level: str = "domain", target: Any = None,
                 ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """One unit's levels as horizontal bars (framework order, top to bottom), coloured by level,
    with the target level of each node as a dashed red mark."""
    unit, round, sub = _pick(result, unit, round)
    nodes = _nodes(result, level)
    model = _axis_model(result, nodes)
    x, li, nl = _values(result, sub, nodes, model)
    tx = _target_x(result, nodes, target, model)
    fw = result.framework
    names = [fw.nodes["name"].iloc[k] for k in nodes]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.45 * len(nodes) + 1.8), layout="constrained")
    y = np.arange(len(nodes))[::-1]
    cols = []
    for j in range(len(nodes)):
        if li[j] < 0:
            cols.append(NOT_RATED)
        else:
            cols.append(level_colours(int(nl[j]))[li[j]])
    base = 0.0
    if model["mode"] == "score" and model["scale"]["kind"] != "banded":
        base = model["scale"]["levels"][0]["value"] - 0.5 * (model["scale"]["levels"][1]["value"] - model["scale"]["levels"][0]["value"])
    width = np.where(np.isnan(x), 0.0, x - base)
    ax.barh(y, width, left=base, color=cols, edgecolor="#425563", linewidth=0.6, height=0.62, zorder=2, gid="qm-maturity-bars")
    for j in range(len(nodes)):
        if li[j] < 0:
            ax.text(base, y[j], "  not rated", va="center", ha="left", fontsize=8.5, color=_TEXT)
        else:
            lab = fw._level_label(nodes[j], int(li[j]))
            ax.text(x[j], y[j], f"  {lab}", va="center", ha="left", fontsize=8.5, color=_TEXT, zorder=3)
        if not np.isnan(tx[j]):
            ax.plot([tx[j], tx[j]], [y[j] - 0.42, y[j] + 0.42], color=TARGET, linestyle="--", linewidth=1.8, zorder=4)
    ax.set_yticks(y, names)
    _x_axis(ax, model)
    ax.grid(axis="x", color=_GRID, linewidth=0.6, zorder=0)
    _style(ax)
    handles = _level_legend(result, nodes, nl)
    if np.isfinite(tx).any():
        handles.append(Line2D([], [], color=TARGET, linestyle="--", linewidth=1.8, label="Target"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(6, len(handles)), frameon=False,
                  fontsize=8.5)
    ax.set_title(title if title is not None else f"{unit} — {fw.name} ({round})", loc="left", fontsize=11, color=_TEXT)
    return ax


def _x_axis(ax: Axes, model: dict[str, Any]) -> None:
    s = model["scale"]
    if model["mode"] == "score" and s["kind"] == "banded":
        ax.set_xlim(s["min"], s["max"])
        for lev in s["levels"]:
            if np.isfinite(lev["lower"]) and s["min"] < lev["lower"] < s["max"]:
                ax.axvline(lev["lower"], color=_GRID, linewidth=0.8, linestyle=":", zorder=1)
        ax.set_xlabel("Score (%)" if s["max"] == 100 else "Score")
    elif model["mode"] == "score":
        vals = [lev["value"] for lev in s["levels"]]
        ax.set_xticks(vals, [f"{lev['code'] or ''} {lev['label']}".strip() for lev in s["levels"]], fontsize=8)
        step = vals[1] - vals[0]
        ax.set_xlim(vals[0] - 0.5 * step, vals[-1] + 0.5 * step)
    elif model["mode"] == "level":
        ax.set_xticks(range(1, len(s["levels"]) + 1), [lev["label"] for lev in s["levels"]], fontsize=8)
        ax.set_xlim(0, len(s["levels"]) + 0.6)
    else:
        ax.set_xlim(0, 105)
        ax.set_xlabel("Level reached (% of the way to the top level)")


def _level_legend(result: Any, nodes: Sequence[int], nl: np.ndarray) -> list[Any]:
    fw = result.framework
    scales = {int(fw._node_scale[k]) for k in nodes}
    if len(scales) != 1 or -1 in scales:
        return [Patch(facecolor=NOT_RATED, edgecolor="#425563", label="Not rated")]
    s = fw._scales[scales.pop()]
    cols = level_colours(len(s["levels"]))
    out: list[Any] = [Patch(facecolor=c, edgecolor="#425563", label=lev["label"]) for c, lev in zip(cols, s["levels"])]
    return out


def plot_radar(result: Any, unit: Any = None, round: Any = None, *, level: str = "domain", target: Any = None,
               ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """One unit's profile as a radar: the share of the way to the top level on each spoke, with
    the target profile dashed red."""
    unit, round, sub = _pick(result, unit, round)
    nodes = _nodes(result, level)
    if len(nodes) < 3:
        raise ValueError(f"level: a radar needs at least three {level}s, the framework has {len(nodes)}")
    model = {"mode": "share", "scale": None}
    x, li, nl = _values(result, sub, nodes, model)
    tx = _target_x(result, nodes, target, model)
    fw = result.framework
    if ax is None:
        fig = plt.figure(figsize=(6.5, 6.5), layout="constrained")
        ax = fig.add_subplot(projection="polar")
    ang = np.linspace(0, 2 * np.pi, len(nodes), endpoint=False)
    r = np.where(np.isnan(x), 0.0, x)
    closed = np.concatenate([ang, ang[:1]])
    ax.plot(closed, np.concatenate([r, r[:1]]), color="#005EB8", linewidth=2, gid="qm-maturity-radar")
    ax.fill(closed, np.concatenate([r, r[:1]]), color="#41B6E6", alpha=0.25)
    for j in range(len(nodes)):
        c = NOT_RATED if li[j] < 0 else level_colours(int(nl[j]))[li[j]]
        ax.scatter([ang[j]], [r[j]], s=46, color=c, edgecolor="#425563", zorder=3)
    if np.isfinite(tx).any():
        t = np.where(np.isnan(tx), 0.0, tx)
        ax.plot(closed, np.concatenate([t, t[:1]]), color=TARGET, linestyle="--", linewidth=1.6, label="Target")
        ax.legend(loc="lower right", bbox_to_anchor=(1.1, -0.08), frameon=False, fontsize=8.5)
    ax.set_xticks(ang, [fw.nodes["name"].iloc[k] for k in nodes], fontsize=8.5)
    ax.set_ylim(0, 100)
    scales = {int(fw._node_scale[k]) for k in nodes}
    if len(scales) == 1 and -1 not in scales:
        levs = fw._scales[scales.pop()]["levels"]
        pos = [100.0 * i / max(1, len(levs) - 1) for i in range(len(levs))]
        ax.set_yticks(pos[1:], [lev["label"] for lev in levs[1:]], fontsize=7, color="#425563")
    else:
        ax.set_yticks([25, 50, 75, 100], ["", "", "", "top level"], fontsize=7)
    ax.set_title(title if title is not None else f"{unit} — {fw.name} ({round})", fontsize=11, color=_TEXT, pad=18)
    return ax


def plot_heatmap(result: Any, round: Any = None, *, level: str = "domain", units: Optional[Sequence[Any]] = None,
                 ax: Optional[Axes] = None, annotate: bool = True, title: Optional[str] = None) -> Axes:
    """Levels by unit (rows) and domain or element (columns) for one round (default: each unit's
    latest), coloured by level, annotated with the level's code; Not Rated cells pale grey."""
    f = result.frame
    fw = result.framework
    nodes = _nodes(result, level)
    ids = [fw.nodes["id"].iloc[k] for k in nodes]
    sub = f[f["node"].astype(object).isin(ids)]
    if round is not None:
        sub = sub[sub["round"].astype(object) == round]
        if sub.empty:
            raise ValueError(f"round: no assessment in round {round!r}")
    else:
        last = sub.groupby("unit", observed=True)["round"].transform("max")
        sub = sub[sub["round"] == last]
    all_units = list(pd.unique(sub["unit"].astype(object)))
    if units is not None:
        missing = [u for u in units if u not in all_units]
        if missing:
            raise ValueError(f"units: {missing[0]!r} is not in the result")
        all_units = list(units)
    U, K = len(all_units), len(nodes)
    li = np.full((U, K), -1, dtype=np.int64)
    code = np.full((U, K), "", dtype=object)
    pos = {u: i for i, u in enumerate(all_units)}
    col = {n: j for j, n in enumerate(ids)}
    for row in sub.itertuples(index=False):
        u = pos.get(row.unit)
        if u is None:
            continue
        j = col[row.node]
        if row.status == "rated" and row.level_index >= 0:
            li[u, j] = int(row.level_index)
            code[u, j] = str(row.code)
        else:
            code[u, j] = "NR" if row.status == "not_rated" else "NA"
    nl = np.array([len(fw._scales[int(fw._node_scale[k])]["levels"]) for k in nodes])
    rgb = np.zeros((U, K, 3))
    for u in range(U):
        for j in range(K):
            c = NOT_RATED if li[u, j] < 0 else level_colours(int(nl[j]))[li[u, j]]
            rgb[u, j] = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * K + 4.5, 0.38 * U + 2.2), layout="constrained")
    ax.imshow(rgb, aspect="auto", interpolation="nearest", gid="qm-maturity-heatmap")
    ax.set_xticks(range(K), [fw.nodes["name"].iloc[k] for k in nodes], rotation=30, ha="right", fontsize=8.5)
    ax.set_yticks(range(U), [str(u) for u in all_units], fontsize=8.5)
    ax.set_xticks(np.arange(-0.5, K, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, U, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if annotate:
        for u in range(U):
            for j in range(K):
                dark = li[u, j] >= 0 and (li[u, j] >= (nl[j] - 1) * 0.75 or li[u, j] <= (nl[j] - 1) * 0.25)
                ax.text(j, u, code[u, j], ha="center", va="center", fontsize=8, color="white" if dark else _TEXT)
    handles = _level_legend(result, nodes, nl)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5)
    r_txt = "latest round" if round is None else f"round {round}"
    ax.set_title(title if title is not None else f"{fw.name}: levels by unit ({r_txt})", loc="left", fontsize=11, color=_TEXT)
    return ax


def alt_text(result: Any, unit: Any = None, round: Any = None, *, level: str = "domain", target: Any = None) -> str:
    """A short accessible description of one unit's profile."""
    unit, round, sub = _pick(result, unit, round)
    fw = result.framework
    nodes = _nodes(result, level)
    top = sub[sub["kind"] == "overall"].iloc[0]
    overall = top["label"] if top["status"] == "rated" else "not rated"
    parts = []
    want: dict[int, int] = {}
    if target is not None:
        tn, tl = result._target_pairs(target)
        want = dict(zip(tn.tolist(), tl.tolist()))
    by = sub.set_index(sub["node"].astype(object))
    for k in nodes:
        row = by.loc[fw.nodes["id"].iloc[k]]
        txt = row["label"] if row["status"] == "rated" else "not rated"
        if k in want:
            txt += f" (target {fw._level_label(k, want[k])})"
        parts.append(f"{fw.nodes['name'].iloc[k]}: {txt}")
    return f"{fw.name}, {unit}, {round}. Overall: {overall}. " + "; ".join(parts) + "."
