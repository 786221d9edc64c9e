"""NHS "Making Data Count" variation and assurance icons, drawn by our own code.

The icon *designs* belong to NHS England's Making Data Count programme. We copy no
file: every icon is built here from matplotlib patches following the geometry written
down in ``reference/mdc-visuals.md`` section 2.3 (a 378 x 378 reference canvas).
All shapes, including the letters (converted to outlines with ``TextPath``) and the
thick strokes (built as polygons), are sized in canvas units, so an icon scales
exactly with the axes it is drawn into and SVG output needs no font.

Icons
-----
Variation (the latest point): ``common_cause``, ``improvement_high``,
``improvement_low``, ``concern_high``, ``concern_low``, ``neutral_high``,
``neutral_low``.

Assurance (the latest phase's limits against the target): ``consistent_pass``
("P"), ``consistent_fail`` ("F"), ``hit_and_miss`` ("?"), and ``empty`` (a dashed
grey ring: no target, or a metric with no improvement direction). ``pass``,
``fail``, ``inconsistent`` and ``None`` are accepted as aliases.

Colours
-------
We use the colours standardised by the MDC team with NHSRplotthedots and
PowerBI-SPC (NHSRplotthedots issue #196), the same set as the chart points, so an
icon and the points it summarises always match:

========================  =========
improvement               ``#00B0F0``
concern                   ``#E46C0A``
neutral                   ``#490092``
common cause ring         ``#A6A6A6``
grey details (dots, wave) ``#7F7F7F``
========================  =========

Choice for the assurance icons: PowerBI-SPC keeps the older ``#0072C6`` / ``#FF6600``
for "P" / "F". We deliberately draw "P" in the improvement blue ``#00B0F0`` and "F"
in the concern orange ``#E46C0A`` instead, so that blue always means "good" and
orange always means "of concern" across points, variation icons and assurance icons.
The hit-and-miss ring uses the common-cause grey ``#A6A6A6`` (the NHSR SVGs use
``#BFBFBF``), with the "?" in ``#7F7F7F``.

Public API
----------
``draw_variation_icon(ax, icon, x, y, size)`` / ``draw_assurance_icon(...)`` draw into
an inset axes of ``ax``; ``icon_figure(icon, kind)`` returns a stand-alone Figure;
``save_icon(icon, kind, path)`` writes SVG (with ``<title>``/``<desc>``) or PNG (with
Title/Description metadata); ``ICON_TEXT`` holds the plain-English meanings and
``icon_title(icon, kind)`` the short alternative text.
"""
from __future__ import annotations

import io
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union
from xml.sax.saxutils import escape

import numpy as np
import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.patches import Circle, PathPatch, Polygon
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

__all__ = [
    "COLOURS",
    "VARIATION_ICONS",
    "ASSURANCE_ICONS",
    "ICON_TEXT",
    "ICON_TITLES",
    "icon_title",
    "draw_variation_icon",
    "draw_assurance_icon",
    "draw_icon",
    "icon_figure",
    "save_icon",
]

# --------------------------------------------------------------------- colours
COLOURS: dict[str, str] = {
    "improvement": "#00B0F0",
    "concern": "#E46C0A",
    "neutral": "#490092",
    "common_cause": "#A6A6A6",
    "grey": "#7F7F7F",
    "pass": "#00B0F0",
    "fail": "#E46C0A",
    "hit_and_miss": "#A6A6A6",
    "empty": "#A6A6A6",
    "target": "#de1b1b",
    "mean": "#000000",
    "limits": "#A6A6A6",
    "value_line": "#A6A6A6",
}

VARIATION_ICONS: tuple[str, ...] = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS: tuple[str, ...] = ("consistent_pass", "consistent_fail", "hit_and_miss", "empty")

_ASSURANCE_ALIASES = {
    "pass": "consistent_pass",
    "p": "consistent_pass",
    "fail": "consistent_fail",
    "f": "consistent_fail",
    "inconsistent": "hit_and_miss",
    "?": "hit_and_miss",
    "none": "empty",
    "": "empty",
}

# --------------------------------------------------------------------- wording
#: Plain-English meaning of every icon (wording after SPCreporter's icon key and the
#: MDC assurance statements, see mdc-visuals.md section 2.1).
ICON_TEXT: dict[str, str] = {
    "common_cause": (
        "The most recent data point exhibits common cause variation (i.e. naturally-occurring "
        "variation that is not statistically significant)."
    ),
    "improvement_high": (
        "The most recent data point exhibits special cause variation in an improving direction "
        "(H: higher values are better, and the values are high)."
    ),
    "improvement_low": (
        "The most recent data point exhibits special cause variation in an improving direction "
        "(L: lower values are better, and the values are low)."
    ),
    "concern_high": (
        "The most recent data point exhibits special cause variation in a concerning direction "
        "(H: the values are concerningly high)."
    ),
    "concern_low": (
        "The most recent data point exhibits special cause variation in a concerning direction "
        "(L: the values are concerningly low)."
    ),
    "neutral_high": (
        "The most recent data point exhibits special cause variation that is neither an "
        "improvement nor a concern (neutral; the values are high)."
    ),
    "neutral_low": (
        "The most recent data point exhibits special cause variation that is neither an "
        "improvement nor a concern (neutral; the values are low)."
    ),
    "consistent_pass": "The process is assured, and is likely to consistently pass the target set.",
    "consistent_fail": "The process is not assured, and is likely to consistently fail to meet the target set.",
    "hit_and_miss": (
        "The process is not assured, and will pass and fail the target based on variation in the process."
    ),
    "empty": "No assurance: there is no target, or the measure has no improvement direction.",
}

#: Short alternative text (SVG ``<title>``), e.g. "Variation: special cause improvement (high)".
ICON_TITLES: dict[str, str] = {
    "common_cause": "Variation: common cause",
    "improvement_high": "Variation: special cause improvement (high)",
    "improvement_low": "Variation: special cause improvement (low)",
    "concern_high": "Variation: special cause concern (high)",
    "concern_low": "Variation: special cause concern (low)",
    "neutral_high": "Variation: special cause neutral (high)",
    "neutral_low": "Variation: special cause neutral (low)",
    "consistent_pass": "Assurance: consistently passes the target (P)",
    "consistent_fail": "Assurance: consistently fails the target (F)",
    "hit_and_miss": "Assurance: hit and miss the target (?)",
    "empty": "Assurance: none (no target)",
}

# --------------------------------------------------------------------- geometry
CANVAS = 378.0  # reference canvas, y down as in the spec; we convert to y up
_C = 189.0  # centre
_RING_R = 151.0
_RING_W = 20.0
_FONT_SIZE = 117.0
_DOT_R = 20.5
_DOT_X = (97.0, 144.0, 191.5, 238.5, 286.0)
_SEG_W = 9.0
_WAVE_W = 11.0
_DASH_W = 8.7
_DASH_ON, _DASH_OFF = 26.0, 8.7
_LINE_X = (72.0, 302.0)


def _y(y_down: float) -> float:
    """Spec coordinates are y-down; matplotlib data coordinates are y-up."""
    return CANVAS - y_down


@lru_cache(maxsize=1)
def _font_family() -> str:
    """Arial (NHS data products) if installed, else a metric-compatible or default sans."""
    installed = {f.name for f in fontManager.ttflist}
    for name in ("Arial", "Liberation Sans", "Arimo", "Helvetica", "Nimbus Sans", "DejaVu Sans"):
        if name in installed:
            return name
    return str(mpl.rcParams["font.family"][0]) if mpl.rcParams["font.family"] else "sans-serif"


def _font() -> FontProperties:
    return FontProperties(family=_font_family(), weight="bold")


def _normalise(icon: Any, kind: str) -> str:
    if kind not in ("variation", "assurance"):
        raise ValueError(f"kind must be 'variation' or 'assurance', got {kind!r}")
    if kind == "variation":
        if isinstance(icon, str) and icon in VARIATION_ICONS:
            return icon
        raise ValueError(f"unknown variation icon {icon!r}; expected one of {', '.join(VARIATION_ICONS)}")
    if icon is None or (isinstance(icon, float) and np.isnan(icon)):
        return "empty"
    if isinstance(icon, str):
        key = icon.strip()
        if key in ASSURANCE_ICONS:
            return key
        if key.lower() in _ASSURANCE_ALIASES:
            return _ASSURANCE_ALIASES[key.lower()]
    raise ValueError(f"unknown assurance icon {icon!r}; expected one of {', '.join(ASSURANCE_ICONS)} or None")


def icon_title(icon: Any, kind: str) -> str:
    """Short alternative text for an icon, e.g. ``"Variation: special cause improvement (high)"``."""
    return ICON_TITLES[_normalise(icon, kind)]


# ------------------------------------------------------------- shape builders
def _ring_sector(cx: float, cy: float, r_mid: float, width: float, t1: float, t2: float) -> np.ndarray:
    """Polygon of an annular sector (angles in degrees), centred on radius r_mid."""
    n = max(8, int(abs(t2 - t1) / 2) + 2)
    t = np.radians(np.linspace(t1, t2, n))
    ro, ri = r_mid + width / 2, r_mid - width / 2
    outer = np.column_stack([cx + ro * np.cos(t), cy + ro * np.sin(t)])
    inner = np.column_stack([cx + ri * np.cos(t[::-1]), cy + ri * np.sin(t[::-1])])
    return np.vstack([outer, inner])


def _ring_path(cx: float, cy: float, r_mid: float, width: float, dashed: bool = False) -> MplPath:
    if not dashed:
        # two closed circles, opposite orientation -> a hole with the non-zero rule
        t = np.radians(np.linspace(0, 360, 181))
        ro, ri = r_mid + width / 2, r_mid - width / 2
        outer = np.column_stack([cx + ro * np.cos(t), cy + ro * np.sin(t)])
        inner = np.column_stack([cx + ri * np.cos(t[::-1]), cy + ri * np.sin(t[::-1])])
        return MplPath.make_compound_path(MplPath(outer, closed=True), MplPath(inner, closed=True))
    # dash 60 / gap 20 along the circumference, rounded to a whole number of dashes
    period = 60.0 + 20.0
    n = max(1, round(2 * np.pi * r_mid / period))
    step = 360.0 / n
    on = step * 60.0 / period
    parts = [MplPath(_ring_sector(cx, cy, r_mid, width, 90 + i * step, 90 + i * step + on), closed=True)
             for i in range(n)]
    return MplPath.make_compound_path(*parts)


def _thick_polyline(points: np.ndarray, width: float) -> np.ndarray:
    """Polygon outlining a polyline stroked with `width` (canvas units), butt caps."""
    p = np.asarray(points, dtype=float)
    d = np.gradient(p, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    normal = np.column_stack([-d[:, 1], d[:, 0]]) * (width / 2)
    return np.vstack([p + normal, (p - normal)[::-1]])


def _segment(p1: tuple[float, float], p2: tuple[float, float], width: float) -> np.ndarray:
    return _thick_polyline(np.array([p1, p2]), width)


def _letter(text: str, color: str, *, baseline: float, left: Optional[float] = None,
            centre: Optional[float] = None) -> PathPatch:
    """A bold glyph outline; baseline in spec (y-down) units, left edge or centre in x."""
    tp = TextPath((0, 0), text, size=_FONT_SIZE, prop=_font())
    ext = tp.get_extents()
    x0 = (left - ext.x0) if left is not None else (centre - (ext.x0 + ext.x1) / 2)  # type: ignore[operator]
    path = tp.transformed(Affine2D().translate(x0, _y(baseline)))
    return PathPatch(path, facecolor=color, edgecolor="none", lw=0, gid="qm-icon-glyph")


def _base_artists(ring_colour: str, dashed: bool = False) -> list[Any]:
    """Drop shadow (approximating the blur with three soft rings), white disc, ring."""
    arts: list[Any] = []
    if not dashed:
        for width, alpha in ((27.0, 0.06), (24.0, 0.10), (21.0, 0.16)):
            arts.append(PathPatch(_ring_path(_C, _y(198.0), 155.5, width), facecolor="black",
                                  edgecolor="none", lw=0, alpha=alpha, gid="qm-icon-shadow"))
    arts.append(Circle((_C, _C), _RING_R, facecolor="white", edgecolor="none", lw=0, gid="qm-icon-background"))
    arts.append(PathPatch(_ring_path(_C, _C, _RING_R, _RING_W, dashed=dashed), facecolor=ring_colour,
                          edgecolor="none", lw=0, gid="qm-icon-ring"))
    return arts


def _run_chart(ys_down: tuple[float, ...], colours: tuple[str, ...]) -> list[Any]:
    pts = [(x, _y(y)) for x, y in zip(_DOT_X, ys_down)]
    arts: list[Any] = [Polygon(_segment(a, b, _SEG_W), closed=True, facecolor=COLOURS["grey"],
                               edgecolor="none", lw=0, gid="qm-icon-line") for a, b in zip(pts, pts[1:])]
    arts += [Circle(p, _DOT_R, facecolor=c, edgecolor="none", lw=0, gid="qm-icon-dot") for p, c in zip(pts, colours)]
    return arts


def _neutral_arrow(up: bool) -> Polygon:
    """Solid block arrow through the centre: up-right (tip (258,120)) or down-right (tip (258,258))."""
    tip = np.array([258.0, _y(120.0 if up else 258.0)])
    direction = tip - np.array([_C, _C])
    length_out = np.hypot(*direction)
    u = direction / length_out
    n = np.array([-u[1], u[0]])
    tail = np.array([_C, _C]) - u * (length_out + 22.0)
    shaft_w, head_w, head_len = 40.0, 104.0, 78.0
    neck = tip - u * head_len
    verts = [
        tail + n * shaft_w / 2,
        neck + n * shaft_w / 2,
        neck + n * head_w / 2,
        tip,
        neck - n * head_w / 2,
        neck - n * shaft_w / 2,
        tail - n * shaft_w / 2,
    ]
    return Polygon(np.array(verts), closed=True, facecolor=COLOURS["neutral"], edgecolor="none", lw=0,
                   gid="qm-icon-arrow")


def _variation_artists(icon: str) -> list[Any]:
    grey = COLOURS["grey"]
    if icon == "common_cause":
        return _base_artists(COLOURS["common_cause"]) + _run_chart((195.0, 233.0, 153.0, 221.0, 206.0), (grey,) * 5)
    if icon.startswith("neutral"):
        return _base_artists(COLOURS["neutral"]) + [_neutral_arrow(up=icon.endswith("high"))]
    colour = COLOURS["improvement"] if icon.startswith("improvement") else COLOURS["concern"]
    high = icon.endswith("high")
    ys = (210.0, 229.0, 210.0, 165.0, 180.0) if high else (168.0, 150.0, 168.0, 214.0, 199.0)
    letter = _letter("H", colour, baseline=172.0, left=106.0) if high else _letter("L", colour, baseline=292.0, left=106.0)
    return _base_artists(colour) + [letter] + _run_chart(ys, (grey, grey, grey, colour, colour))


def _wave() -> Polygon:
    x = np.linspace(_LINE_X[0], _LINE_X[1], 121)
    t = (x - _LINE_X[0]) / (_LINE_X[1] - _LINE_X[0])
    y = 222.0 - 22.0 * np.sin(2 * np.pi * 1.5 * t)
    return Polygon(_thick_polyline(np.column_stack([x, CANVAS - y]), _WAVE_W), closed=True,
                   facecolor=COLOURS["grey"], edgecolor="none", lw=0, gid="qm-icon-process")


def _dashed_target(y_down: float, colour: str) -> PathPatch:
    parts = []
    x = _LINE_X[0]
    yc = _y(y_down)
    while x < _LINE_X[1] - 1e-9:
        x1 = min(x + _DASH_ON, _LINE_X[1])
        parts.append(MplPath(np.array([[x, yc - _DASH_W / 2], [x1, yc - _DASH_W / 2], [x1, yc + _DASH_W / 2],
                                       [x, yc + _DASH_W / 2], [x, yc - _DASH_W / 2]]), closed=True))
        x = x1 + _DASH_OFF
    return PathPatch(MplPath.make_compound_path(*parts), facecolor=colour, edgecolor="none", lw=0,
                     gid="qm-icon-target")


def _assurance_artists(icon: str) -> list[Any]:
    if icon == "empty":
        return _base_artists(COLOURS["empty"], dashed=True)
    if icon == "consistent_pass":
        colour, letter_colour, glyph, target_y = COLOURS["pass"], COLOURS["pass"], "P", 257.0
    elif icon == "consistent_fail":
        colour, letter_colour, glyph, target_y = COLOURS["fail"], COLOURS["fail"], "F", 185.0
    else:  # hit_and_miss
        colour, letter_colour, glyph, target_y = COLOURS["hit_and_miss"], COLOURS["grey"], "?", 222.0
    arts = _base_artists(colour)
    arts.append(_letter(glyph, letter_colour, baseline=158.0, centre=_C))
    arts.append(_wave())
    arts.append(_dashed_target(target_y, colour))
    return arts


def _icon_artists(icon: str, kind: str) -> list[Any]:
    return _variation_artists(icon) if kind == "variation" else _assurance_artists(icon)


# ------------------------------------------------------------------- drawing
def _setup_icon_axes(iax: Axes, icon: str, kind: str) -> Axes:
    iax.set_xlim(0, CANVAS)
    iax.set_ylim(0, CANVAS)
    iax.set_aspect("equal", adjustable="box", anchor="C")
    iax.set_axis_off()
    iax.patch.set_visible(False)
    iax.set_navigate(False)
    iax.set_label(f"qm-{kind}-icon:{icon}")
    iax.set_gid(f"qm-{kind}-icon")
    for art in _icon_artists(icon, kind):
        art.set_clip_on(False)
        iax.add_patch(art)
    return iax


def draw_icon(ax: Axes, icon: Any, kind: str, x: float, y: float, size: float, *,
              transform: Any = None) -> Axes:
    """Draw one icon centred at (x, y) into a new inset axes of `ax`.

    With the default ``transform=None``, (x, y) and `size` are axes fractions: the icon's
    diameter is ``size`` times the shorter side of `ax` (the inset keeps a square aspect).
    Any other transform (e.g. inches from a corner) is passed to ``Axes.inset_axes``.
    Returns the inset axes (label ``"qm-<kind>-icon:<icon>"``).
    """
    name = _normalise(icon, kind)
    if not size > 0:
        raise ValueError(f"size must be positive, got {size!r}")
    bounds = [x - size / 2, y - size / 2, size, size]
    iax = ax.inset_axes(bounds, transform=transform, zorder=6)
    return _setup_icon_axes(iax, name, kind)


def draw_variation_icon(ax: Axes, icon: str, x: float, y: float, size: float, **kwargs: Any) -> Axes:
    """Draw a variation icon (``common_cause``, ``improvement_high``, …) centred at (x, y).

    (x, y) are axes fractions of `ax`; `size` is the diameter as a fraction of the shorter
    side of `ax`. Returns the inset axes holding the icon.
    """
    return draw_icon(ax, icon, "variation", x, y, size, **kwargs)


def draw_assurance_icon(ax: Axes, icon: Optional[str], x: float, y: float, size: float, **kwargs: Any) -> Axes:
    """Draw an assurance icon (``consistent_pass``, ``consistent_fail``, ``hit_and_miss``,
    or ``None``/``"empty"``) centred at (x, y) in axes fractions of `ax`."""
    return draw_icon(ax, icon, "assurance", x, y, size, **kwargs)


def icon_figure(icon: Optional[str], kind: str, size_inches: float = 1.0) -> Figure:
    """A stand-alone square Figure holding one icon on a white background.

    The Figure is not registered with pyplot (no figure manager), so many icons can be
    made and saved without accumulating open figures.
    """
    name = _normalise(icon, kind)
    if not size_inches > 0:
        raise ValueError(f"size_inches must be positive, got {size_inches!r}")
    fig = Figure(figsize=(size_inches, size_inches), facecolor="white")
    iax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    _setup_icon_axes(iax, name, kind)
    return fig


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _add_svg_title(svg: str, title: str, desc: str) -> str:
    m = _SVG_OPEN.search(svg)
    if m is None:  # pragma: no cover - matplotlib always writes an <svg> element
        raise RuntimeError("matplotlib produced SVG without an <svg> element")
    tag = m.group(0)
    new_tag = tag[:-1] + ' role="img" aria-labelledby="qm-icon-title qm-icon-desc">'
    insert = (f'\n <title id="qm-icon-title">{escape(title)}</title>'
              f'\n <desc id="qm-icon-desc">{escape(desc)}</desc>')
    return svg[: m.start()] + new_tag + insert + svg[m.end():]


def save_icon(icon: Optional[str], kind: str, path: Union[str, os.PathLike[str]], *,
              size_inches: float = 1.0, dpi: float = 200) -> Path:
    """Write one icon to `path`: SVG (``.svg``) or PNG (``.png``), chosen by extension.

    SVG files carry an accessible ``<title>`` (e.g. "Variation: special cause improvement
    (high)") and ``<desc>`` (the ICON_TEXT meaning) and ``role="img"``; PNG files carry the
    same text as Title/Description metadata. Returns the path written.
    """
    name = _normalise(icon, kind)
    out = Path(path)
    ext = out.suffix.lower()
    if ext not in (".svg", ".png"):
        raise ValueError(f"path must end in .svg or .png, got {str(path)!r}")
    title, desc = ICON_TITLES[name], ICON_TEXT[name]
    fig = icon_figure(name, kind, size_inches=size_inches)
    if ext == ".svg":
        buf = io.StringIO()
        # our own <title>/<desc> are inserted below (recent matplotlib also writes a bare
        # <title> for metadata["Title"], so we do not pass it, to avoid a duplicate)
        with mpl.rc_context({"svg.hashsalt": f"qm-{kind}-{name}", "svg.fonttype": "path"}):
            fig.savefig(buf, format="svg", metadata={"Description": desc, "Date": None})
        out.write_text(_add_svg_title(buf.getvalue(), title, desc), encoding="utf-8")
    else:
        fig.savefig(out, format="png", dpi=dpi, metadata={"Title": title, "Description": desc})
    return out

