"""Making Data Count charts and icons (python/qualitymetrics/plotting.py, icons.py).

Frames are built by hand with the columns of ``SPCResult.frame`` / ``.summary()``, so
these tests do not need the compiled core; the tests of the other chart kinds (p, Xbar,
run, CUSUM, EWMA) at the end draw real ``qm.spc`` results and are skipped without it.
"""
from __future__ import annotations

import importlib
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def _load():
    try:
        from qualitymetrics import icons, plotting  # noqa: PLC0415

        return plotting, icons
    except ImportError:
        # the package __init__ imports the compiled _core; load our two modules on their
        # own, as a private package name, without touching sys.modules["qualitymetrics"]
        pkg_dir = Path(__file__).resolve().parents[2] / "python" / "qualitymetrics"
        name = "_qm_plotting_under_test"
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(pkg_dir)]
            sys.modules[name] = pkg
        return importlib.import_module(f"{name}.plotting"), importlib.import_module(f"{name}.icons")


plotting, icons = _load()

GREY, BLUE, ORANGE, PURPLE = "#a6a6a6", "#00b0f0", "#e46c0a", "#490092"
RED = "#de1b1b"
POINT_TYPES = [
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_frame(
    n: int = 24,
    *,
    group=None,
    phase_break: int | None = 12,
    target: float = 0.95,
    types: dict[int, str] | None = None,
    start: str = "2016-04-01",
    dates: bool = True,
    scale: float = 1.0,
) -> pd.DataFrame:
    """One group's frame: values around 0.8 (x scale), one rebase at `phase_break`."""
    rng = np.random.default_rng(7)
    value = (0.8 + 0.03 * np.sin(np.arange(n)) + rng.normal(0, 0.005, n)) * scale
    phase = np.zeros(n, dtype=np.int64)
    if phase_break is not None:
        phase[phase_break:] = 1
    centre = np.where(phase == 0, 0.80, 0.78) * scale
    sigma = 0.04 * scale
    pt = ["common_cause"] * n
    for i, t in (types or {}).items():
        pt[i] = t
    frame = pd.DataFrame(
        {
            "group": [group] * n,
            "date": pd.date_range(start, periods=n, freq="MS") if dates else np.arange(n),
            "value": value,
            "phase": phase,
            "centre": centre,
            "lower": centre - 3 * sigma,
            "upper": centre + 3 * sigma,
            "lower_1sigma": centre - sigma,
            "upper_1sigma": centre + sigma,
            "lower_2sigma": centre - 2 * sigma,
            "upper_2sigma": centre + 2 * sigma,
            "target": np.full(n, target, dtype=float),
            "rule_outside_limits": False,
            "rule_shift": False,
            "rule_trend": False,
            "rule_two_of_three": False,
            "point_type": pd.Categorical(pt, categories=POINT_TYPES),
        }
    )
    return frame


def make_summary(group=None, variation="concern_low", assurance="consistent_fail", target=0.95) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": [group],
            "variation_icon": pd.Categorical([variation], categories=list(icons.VARIATION_ICONS)),
            "assurance_icon": np.array([assurance], dtype=object),
            "improvement": ["increase"],
            "target": [target],
        }
    )


def gid_line(ax, gid):
    found = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(found) == 1, f"expected one line {gid}, found {len(found)}"
    return found[0]


def finite_runs(y) -> list[tuple[int, int]]:
    ok = np.isfinite(np.asarray(y, dtype=float))
    runs, start = [], None
    for i, flag in enumerate(ok):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(ok)))
    return runs


def icon_axes(ax, kind):
    return [c for c in ax.child_axes if c.get_label().startswith(f"qm-{kind}-icon:")]


def ring_colour(icon_ax) -> str:
    rings = [p for p in icon_ax.patches if p.get_gid() == "qm-icon-ring"]
    assert len(rings) == 1
    return to_hex(rings[0].get_facecolor())


# ------------------------------------------------------------------- points
def test_point_colours_follow_point_type():
    types_ = {3: "special_cause_improvement", 4: "special_cause_improvement", 7: "special_cause_concern",
              15: "special_cause_neutral_high", 20: "special_cause_neutral_low"}
    frame = make_frame(types=types_)
    ax = plotting.plot_spc(frame, make_summary(), percentage=False)
    expected = {
        "common_cause": GREY,
        "special_cause_improvement": BLUE,
        "special_cause_concern": ORANGE,
        "special_cause_neutral_high": PURPLE,
        "special_cause_neutral_low": PURPLE,
    }
    xnum = np.asarray(ax.convert_xunits(frame["date"].to_numpy()), dtype=float)
    seen = 0
    for coll in ax.collections:
        offsets = coll.get_offsets()
        colours = coll.get_facecolors()
        assert len(colours) == len(offsets)
        for (xv, yv), colour in zip(offsets, colours):
            i = int(np.argmin(np.abs(xnum - xv)))
            assert yv == pytest.approx(frame["value"].iloc[i])
            assert to_hex(colour) == expected[frame["point_type"].iloc[i]], i
            seen += 1
    assert seen == len(frame)
    # filled circles, drawn above the value line
    value_line = gid_line(ax, "qm-value")
    assert to_hex(value_line.get_color()) == GREY and value_line.get_linestyle() == "-"
    assert all(c.get_zorder() > value_line.get_zorder() for c in ax.collections)


def test_missing_values_are_not_drawn_as_points():
    frame = make_frame()
    frame.loc[5, "value"] = np.nan
    ax = plotting.plot_spc(frame)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(frame) - 1


# -------------------------------------------------------------------- lines
def test_limits_dashed_grey_and_broken_at_phase_change():
    frame = make_frame(phase_break=12)
    ax = plotting.plot_spc(frame, make_summary())
    xnum = np.asarray(ax.convert_xunits(frame["date"].to_numpy()), dtype=float)
    for gid in ("qm-upper", "qm-lower", "qm-mean", "qm-value"):
        ln = gid_line(ax, gid)
        y = ln.get_ydata()
        runs = finite_runs(y)
        assert len(runs) == 2, gid  # one run per phase, a NaN gap between them
        x = np.asarray(ax.convert_xunits(ln.get_xdata()), dtype=float)
        first, second = (x[a:b] for a, b in runs)
        assert first.min() == xnum[0] and first.max() == xnum[11], gid  # phase 0: its own points only
        assert second.min() == xnum[12] and second.max() == xnum[-1], gid
    for gid in ("qm-upper", "qm-lower"):
        ln = gid_line(ax, gid)
        assert ln.get_linestyle() == "--"
        assert to_hex(ln.get_color()) == GREY
    mean = gid_line(ax, "qm-mean")
    assert mean.get_linestyle() == "-" and to_hex(mean.get_color()) == "#000000"
    # each phase's limits are its own
    upper = gid_line(ax, "qm-upper").get_ydata()
    (a0, b0), (a1, b1) = finite_runs(upper)
    assert np.allclose(upper[a0:b0], 0.92) and np.allclose(upper[a1:b1], 0.90)


def test_three_phases_give_three_runs_and_single_phase_one():
    frame = make_frame(n=30, phase_break=10)
    frame.loc[20:, "phase"] = 2
    ax = plotting.plot_spc(frame)
    assert len(finite_runs(gid_line(ax, "qm-upper").get_ydata())) == 3
    ax2 = plotting.plot_spc(make_frame(phase_break=None))
    assert len(finite_runs(gid_line(ax2, "qm-mean").get_ydata())) == 1


def test_target_line_is_dashed_red_and_absent_without_target():
    ax = plotting.plot_spc(make_frame(target=0.95), make_summary())
    tgt = gid_line(ax, "qm-target")
    assert to_hex(tgt.get_color()) == RED
    assert tgt.get_linestyle() == "--"
    assert np.nanmax(tgt.get_ydata()) == pytest.approx(0.95)
    ax2 = plotting.plot_spc(make_frame(target=np.nan))
    assert not [ln for ln in ax2.get_lines() if ln.get_gid() == "qm-target"]
    assert "Target" not in [t.get_text() for t in ax2.get_legend().get_texts()]


def test_two_sigma_lines_only_on_request():
    ax = plotting.plot_spc(make_frame())
    assert not [ln for ln in ax.get_lines() if "2sigma" in str(ln.get_gid())]
    ax2 = plotting.plot_spc(make_frame(), show_2sigma=True)
    assert len(finite_runs(gid_line(ax2, "qm-upper_2sigma").get_ydata())) == 2


# --------------------------------------------------------------- axes style
def test_axes_style_legend_title_and_dates():
    types_ = {3: "special_cause_improvement", 7: "special_cause_concern"}
    ax = plotting.plot_spc(make_frame(types=types_), make_summary(), value_name="performance")
    ax.figure.canvas.draw()
    assert ax.get_title(loc="left") == "SPC chart of performance"
    # horizontal gridlines only
    assert any(gl.get_visible() for gl in ax.yaxis.get_gridlines())
    assert not any(gl.get_visible() for gl in ax.xaxis.get_gridlines())
    # legend at the bottom (below the axes), no title, MDC wording and order
    legend = ax.get_legend()
    assert legend.get_title().get_text() == ""
    assert [t.get_text() for t in legend.get_texts()] == [
        "Common cause",
        "Special cause \u2013 concern",
        "Special cause \u2013 improvement",
        "Mean",
        "Process limits",
        "Target",
    ]
    renderer = ax.figure.canvas.get_renderer()
    assert legend.get_window_extent(renderer).y1 < ax.get_window_extent(renderer).y0
    # legend clear of the rotated date labels
    assert legend.get_window_extent(renderer).y1 <= ax.xaxis.get_tightbbox(renderer).y0 + 1
    # monthly dates as "Apr 16", rotated 45 degrees
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert labels[0].get_text() == "Apr 16"
    assert all(t.get_rotation() == pytest.approx(45) for t in labels)


def test_percentage_axis_automatic_and_forced():
    ax = plotting.plot_spc(make_frame())
    ax.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    ax2 = plotting.plot_spc(make_frame(scale=1000.0, target=np.nan))
    ax2.figure.canvas.draw()
    assert not any(t.get_text().endswith("%") for t in ax2.get_yticklabels())
    assert any("," in t.get_text() for t in ax2.get_yticklabels())  # "1,000"
    ax3 = plotting.plot_spc(make_frame(), percentage=False)
    ax3.figure.canvas.draw()
    assert not any(t.get_text().endswith("%") for t in ax3.get_yticklabels())


def test_integer_positions_when_no_dates():
    frame = make_frame(dates=False)
    ax = plotting.plot_spc(frame)
    ax.figure.canvas.draw()
    assert ax.get_xlabel() == "Point"
    assert len(finite_runs(gid_line(ax, "qm-upper").get_ydata())) == 2


def test_draws_into_given_axes():
    fig, ax = plt.subplots()
    out = plotting.plot_spc(make_frame(), ax=ax, title="Custom")
    assert out is ax and ax.get_title(loc="left") == "Custom"


# -------------------------------------------------------------- icon placement
@pytest.mark.parametrize(
    "variation,assurance",
    [("concern_low", "consistent_fail"), ("improvement_high", "consistent_pass"),
     ("common_cause", "hit_and_miss"), ("neutral_high", None)],
)
def test_icons_drawn_top_right_with_state_colours(variation, assurance):
    ax = plotting.plot_spc(make_frame(), make_summary(variation=variation, assurance=assurance))
    ax.figure.canvas.draw()
    (var_ax,) = icon_axes(ax, "variation")
    assert var_ax.get_label() == f"qm-variation-icon:{variation}"
    expected_var = {"concern_low": ORANGE, "improvement_high": BLUE, "common_cause": GREY, "neutral_high": PURPLE}
    assert ring_colour(var_ax) == expected_var[variation]
    renderer = ax.figure.canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    vbox = var_ax.get_window_extent(renderer)
    # inside the panel, in the top-right corner
    assert panel.x0 < vbox.x0 and vbox.x1 < panel.x1 and panel.y0 < vbox.y0 and vbox.y1 < panel.y1
    assert panel.x1 - vbox.x1 < 0.1 * panel.width and panel.y1 - vbox.y1 < 0.2 * panel.height
    assert vbox.width == pytest.approx(vbox.height, rel=0.02)  # round, not squashed
    assur = icon_axes(ax, "assurance")
    if assurance is None:
        assert assur == []
    else:
        (as_ax,) = assur
        expected_as = {"consistent_fail": ORANGE, "consistent_pass": BLUE, "hit_and_miss": GREY}
        assert ring_colour(as_ax) == expected_as[assurance]
        abox = as_ax.get_window_extent(renderer)
        assert abox.x1 <= vbox.x0  # assurance to the left of the variation icon
        assert abox.y0 == pytest.approx(vbox.y0)


def test_icons_keep_clear_of_the_latest_points():
    frame = make_frame(phase_break=None)
    frame.loc[len(frame) - 1, "value"] = 0.935  # latest point near the top
    ax = plotting.plot_spc(frame, make_summary())
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    (var_ax,) = icon_axes(ax, "variation")
    icon_bottom = var_ax.get_window_extent(renderer).y0
    last = ax.transData.transform((ax.convert_xunits(frame["date"].iloc[-1]), 0.935))
    assert last[1] < icon_bottom


def test_icons_off_and_variation_from_points_without_summary():
    ax = plotting.plot_spc(make_frame(), icons=False)
    assert ax.child_axes == []
    types_ = {23: "special_cause_concern"}
    frame = make_frame(types=types_)
    frame.loc[23, "value"] = 0.60  # below its mean
    ax2 = plotting.plot_spc(frame)
    (var_ax,) = icon_axes(ax2, "variation")
    assert var_ax.get_label() == "qm-variation-icon:concern_low"
    assert icon_axes(ax2, "assurance") == []  # needs the summary's direction


# ------------------------------------------------------------------ groups
def test_group_must_be_chosen_when_frame_has_several():
    frame = pd.concat([make_frame(group=g) for g in ("RRK", "RJ1", "R1F")], ignore_index=True)
    frame["group"] = pd.Categorical(frame["group"], categories=["RRK", "RJ1", "R1F"])
    with pytest.raises(ValueError, match=r"group=") as err:
        plotting.plot_spc(frame)
    assert "RRK" in str(err.value) and "RJ1" in str(err.value)
    with pytest.raises(ValueError, match=r"group='XYZ'.*RRK"):
        plotting.plot_spc(frame, group="XYZ")
    summary = pd.concat([make_summary(g) for g in ("RRK", "RJ1", "R1F")], ignore_index=True)
    ax = plotting.plot_spc(frame, summary, group="RJ1", value_name="performance")
    assert ax.get_title(loc="left") == "SPC chart of performance \u2013 RJ1"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 24


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="point_type"):
        plotting.plot_spc(make_frame().drop(columns=["point_type"]))


def test_plot_grid_small_multiples_share_one_legend():
    groups = ["A", "B", "C", "D"]
    frame = pd.concat([make_frame(group=g) for g in groups], ignore_index=True)
    summary = pd.concat([make_summary(g) for g in groups], ignore_index=True)
    fig = plotting.plot_grid(frame, summary, ncols=3)
    visible = [a for a in fig.axes if a.get_visible() and a.get_label() == ""]
    panels = [a for a in visible if a.get_title(loc="left")]
    assert [a.get_title(loc="left") for a in panels] == groups
    assert all(a.get_legend() is None for a in panels)
    assert len(fig.legends) == 1
    assert all(len(icon_axes(a, "variation")) == 1 for a in panels)
    fig.canvas.draw()
    with pytest.raises(ValueError, match="groups"):
        plotting.plot_grid(frame, summary, groups=["A", "nope"])


# ----------------------------------------------------------------- alt text
def test_alt_text_wording():
    frame = make_frame(n=36, group="RRK", phase_break=None)
    frame.loc[35, "value"] = 0.7912
    summary = make_summary("RRK", variation="concern_low", assurance="consistent_fail", target=0.95)
    text = plotting.alt_text(frame, summary.iloc[0], value_name="performance")
    assert text == (
        "SPC chart of performance for RRK, 36 points from Apr 2016 to Mar 2019; latest 0.79; "
        "variation: special cause concern (low); assurance: consistently fails the target 0.95"
    )


def test_alt_text_rebase_missing_and_no_target():
    frame = make_frame(n=24, phase_break=12, target=np.nan)
    frame.loc[3, "value"] = np.nan
    summary = make_summary(None, variation="common_cause", assurance=None, target=np.nan)
    text = plotting.alt_text(frame, summary, value_name="attendances")
    assert text.startswith("SPC chart of attendances, 23 points from Apr 2016 to Mar 2018 (1 missing), "
                           "rebased at Apr 2017; latest ")
    assert text.endswith("; variation: common cause; no target")


# -------------------------------------------------------------------- icons
ALL_ICONS = [(i, "variation") for i in icons.VARIATION_ICONS] + [(i, "assurance") for i in icons.ASSURANCE_ICONS]


@pytest.mark.parametrize("icon,kind", ALL_ICONS)
def test_every_icon_renders_to_svg_with_title(tmp_path, icon, kind):
    path = icons.save_icon(icon, kind, tmp_path / f"{icon}.svg")
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    first = list(root)[0]
    assert first.tag == f"{ns}title"
    assert first.text == icons.ICON_TITLES[icon] == icons.icon_title(icon, kind)
    assert first.text.startswith("Variation: " if kind == "variation" else "Assurance: ")
    assert len(root.findall(f"{ns}title")) == 1
    assert root.find(f"{ns}desc").text == icons.ICON_TEXT[icon]
    assert root.findall(f".//{ns}path")  # drawn shapes (letters as outlines, no font needed)


def test_icon_titles_and_meanings():
    assert icons.icon_title("improvement_high", "variation") == "Variation: special cause improvement (high)"
    assert icons.ICON_TEXT["consistent_pass"] == (
        "The process is assured, and is likely to consistently pass the target set.")
    assert icons.ICON_TEXT["consistent_fail"] == (
        "The process is not assured, and is likely to consistently fail to meet the target set.")
    assert icons.ICON_TEXT["hit_and_miss"] == (
        "The process is not assured, and will pass and fail the target based on variation in the process.")
    assert set(icons.VARIATION_ICONS) | set(icons.ASSURANCE_ICONS) == set(icons.ICON_TEXT)
    assert icons.icon_title(None, "assurance") == icons.ICON_TITLES["empty"]
    assert icons.icon_title("pass", "assurance") == icons.ICON_TITLES["consistent_pass"]


@pytest.mark.parametrize(
    "icon,kind,ring,glyph",
    [("improvement_high", "variation", BLUE, BLUE), ("improvement_low", "variation", BLUE, BLUE),
     ("concern_high", "variation", ORANGE, ORANGE), ("concern_low", "variation", ORANGE, ORANGE),
     ("common_cause", "variation", GREY, None), ("neutral_high", "variation", PURPLE, None),
     ("neutral_low", "variation", PURPLE, None), ("consistent_pass", "assurance", BLUE, BLUE),
     ("consistent_fail", "assurance", ORANGE, ORANGE), ("hit_and_miss", "assurance", GREY, "#7f7f7f"),
     ("empty", "assurance", GREY, None)],
)
def test_icon_geometry(icon, kind, ring, glyph):
    fig = icons.icon_figure(icon, kind, size_inches=1.0)
    assert isinstance(fig, Figure)
    (iax,) = fig.axes
    assert ring_colour(iax) == ring
    glyphs = [p for p in iax.patches if p.get_gid() == "qm-icon-glyph"]
    if glyph is None:
        assert glyphs == []
    else:
        (g,) = glyphs
        assert to_hex(g.get_facecolor()) == glyph
        ext = g.get_path().get_extents()
        cy = (ext.y0 + ext.y1) / 2
        if kind == "variation":  # H upper-left, L lower-left (y up, canvas 378)
            assert ext.x1 < 189 + 10
            assert (cy > 189) == icon.endswith("high")
        else:  # letter centred in the upper half
            assert cy > 189 and abs((ext.x0 + ext.x1) / 2 - 189) < 2
    dots = [p for p in iax.patches if p.get_gid() == "qm-icon-dot"]
    if kind == "variation" and not icon.startswith("neutral"):
        assert len(dots) == 5
        colours = [to_hex(d.get_facecolor()) for d in dots]
        if icon == "common_cause":
            assert set(colours) == {"#7f7f7f"}
        else:  # the last two dots in the state colour, jumping up (high) or down (low)
            assert colours == ["#7f7f7f"] * 3 + [ring] * 2
            ys = [d.center[1] for d in dots]
            assert (min(ys[3:]) > max(ys[:3])) == icon.endswith("high")
    else:
        assert dots == []
    arrows = [p for p in iax.patches if p.get_gid() == "qm-icon-arrow"]
    assert len(arrows) == (1 if icon.startswith("neutral") else 0)
    if arrows:
        verts = arrows[0].get_xy()
        tip = verts[np.argmax(verts[:, 0])]
        assert (tip[1] > 189) == icon.endswith("high")  # up-right or down-right
    targets = [p for p in iax.patches if p.get_gid() == "qm-icon-target"]
    if kind == "assurance" and icon != "empty":
        (t,) = targets
        ty = np.mean(t.get_path().vertices[:, 1])
        wave = [p for p in iax.patches if p.get_gid() == "qm-icon-process"][0].get_xy()[:, 1]
        position = {"consistent_pass": ty < wave.min(), "consistent_fail": ty > wave.max(),
                    "hit_and_miss": wave.min() < ty < wave.max()}
        assert position[icon]
    else:
        assert targets == []


def test_unknown_icons_are_rejected():
    with pytest.raises(ValueError, match="variation icon"):
        icons.icon_figure("improvement", "variation")
    with pytest.raises(ValueError, match="assurance icon"):
        icons.icon_figure("maybe", "assurance")
    with pytest.raises(ValueError, match="kind"):
        icons.icon_figure("common_cause", "trend")
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        icons.save_icon("common_cause", "variation", "icon.gif")


def test_draw_icon_into_axes_fraction_and_png(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 2))
    iax = icons.draw_variation_icon(ax, "improvement_low", 0.5, 0.5, 0.4)
    icons.draw_assurance_icon(ax, None, 0.2, 0.5, 0.4)
    fig.canvas.draw()
    box = iax.get_window_extent(fig.canvas.get_renderer())
    parent = ax.get_window_extent(fig.canvas.get_renderer())
    assert box.width == pytest.approx(box.height, rel=0.02)
    assert box.height == pytest.approx(0.4 * parent.height, rel=0.02)
    png = icons.save_icon("consistent_pass", "assurance", tmp_path / "pass.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Assurance: consistently passes the target" in png.read_bytes()


def test_chart_renders_to_png(tmp_path):
    types_ = {3: "special_cause_improvement", 4: "special_cause_improvement", 20: "special_cause_concern"}
    ax = plotting.plot_spc(make_frame(types=types_), make_summary(), value_name="performance")
    out = tmp_path / "chart.png"
    ax.figure.savefig(out, dpi=60)
    assert out.stat().st_size > 5000


# ====================================================== every chart kind (real qm.spc results)
# These use the compiled core: each chart is built by qm.spc on real A&E data (RRK type 1
# four-hour performance, the qicharts2 reference file), then drawn by SPCResult.plot().
def _xnum(ax, dates) -> np.ndarray:
    return np.asarray(ax.convert_xunits(np.asarray(dates)), dtype=float)


@pytest.fixture(scope="module")
def qm():
    return pytest.importorskip("qualitymetrics", reason="needs the compiled qualitymetrics._core")


@pytest.fixture(scope="module")
def rrk():
    return pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "ae" /
                       "ae_rrk_type1_performance_p.qicharts2.csv")


def _steps_of(ax, line, frame_x, frame_y, runs):
    """Assert `line` draws frame_y as steps centred on the points, one run per phase."""
    x = _xnum(ax, line.get_xdata())
    y = np.asarray(line.get_ydata(), dtype=float)
    pieces = finite_runs(y)
    assert len(pieces) == len(runs)
    for (a, b), (p0, p1) in zip(runs, pieces):
        xs, ys = x[p0:p1], y[p0:p1]
        assert len(xs) == 2 * (b - a)  # two vertices per point: a horizontal step
        np.testing.assert_allclose(ys[0::2], frame_y[a:b])
        np.testing.assert_allclose(ys[1::2], frame_y[a:b])
        assert xs[0] == frame_x[a] and xs[-1] == frame_x[b - 1]  # starts and stops at the phase's own points
        mids = (frame_x[a:b - 1] + frame_x[a + 1:b]) / 2
        np.testing.assert_allclose(xs[1:-1:2], mids)  # the level changes half-way between points
        np.testing.assert_allclose(xs[2::2], mids)


def test_p_chart_variable_limits_are_steps_and_runs_signal_dashes_the_centre(qm, rrk):
    res = qm.spc(rrk, value="y.sum", denominator="n", date="x", chart="p", preset="qicharts2")
    f = res.frame.reset_index(drop=True)
    assert f["upper"].nunique() > 1  # limits differ point to point (n varies)
    ax = res.plot()
    xnum = _xnum(ax, f["date"])
    for gid, col in (("qm-upper", "upper"), ("qm-lower", "lower")):
        ln = gid_line(ax, gid)
        _steps_of(ax, ln, xnum, f[col].to_numpy(), [(0, len(f))])
        assert ln.get_linestyle() == "--" and to_hex(ln.get_color()) == GREY
    # the whole phase signalled (longest run 20 > 8): the centre is dash-dotted red, no plain mean
    assert bool(res.summary()["runs_signal"].iloc[0])
    assert not [ln for ln in ax.get_lines() if ln.get_gid() in ("qm-mean", "qm-median")]
    sig = gid_line(ax, "qm-centre-runs-signal")
    assert to_hex(sig.get_color()) == plotting.RUNS_SIGNAL_COLOUR.lower()
    assert sig.get_linestyle() == "--"
    dashes = getattr(sig, "_unscaled_dash_pattern", (0, (1, 1, 1, 1)))[1]
    assert len(dashes) == 4  # dash-dot: told apart from the target's plain dashes
    assert len(sig.get_xdata()) == len(f)  # a constant centre is a straight line, not steps
    np.testing.assert_allclose(np.asarray(sig.get_ydata(), dtype=float), f["centre"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Mean \u2013 runs signal" in legend and "Process limits" in legend
    # percentages, the measure's name, and only the variation icon (no target: no assurance)
    ax.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    assert ax.get_title(loc="left") == "SPC chart of y.sum / n"
    assert [a.get_label() for a in icon_axes(ax, "variation")] == ["qm-variation-icon:concern_low"]
    assert icon_axes(ax, "assurance") == []
    # points coloured by the frame's point types
    colours = {to_hex(c) for coll in ax.collections for c in coll.get_facecolors()}
    assert colours == {BLUE, ORANGE, GREY}


def test_variable_limits_still_break_at_a_rebase(qm, rrk):
    res = qm.spc(rrk, value="y.sum", denominator="n", date="x", chart="p", rebase=["2017-10-01"])
    f = res.frame.reset_index(drop=True)
    ax = res.plot()
    xnum = _xnum(ax, f["date"])
    runs = [(0, 18), (18, 36)]
    assert (f["phase"].to_numpy() == np.repeat([0, 1], 18)).all()
    for gid, col in (("qm-upper", "upper"), ("qm-lower", "lower")):
        _steps_of(ax, gid_line(ax, gid), xnum, f[col].to_numpy(), runs)
    mean = gid_line(ax, "qm-mean")  # MDC rules: no runs analysis, the plain black mean
    assert len(finite_runs(mean.get_ydata())) == 2 and mean.get_linestyle() == "-"
    assert to_hex(mean.get_color()) == "#000000"
    assert not [ln for ln in ax.get_lines() if ln.get_gid() == "qm-centre-runs-signal"]


def test_xbar_chart_with_varying_subgroup_sizes_steps(qm):
    rng = np.random.default_rng(11)
    sizes = rng.integers(2, 9, 25)
    df = pd.DataFrame({"day": np.repeat(pd.date_range("2024-01-01", periods=25), sizes),
                       "y": rng.normal(10.0, 1.0, int(sizes.sum()))})
    for dispersion in (False, True):
        res = qm.spc(df, value="y", date="day", chart="xbar_s", dispersion=dispersion)
        f = res.frame.reset_index(drop=True)
        assert (f["n"].to_numpy() == sizes).all()
        ax = res.plot()
        xnum = _xnum(ax, f["date"])
        _steps_of(ax, gid_line(ax, "qm-upper"), xnum, f["upper"].to_numpy(), [(0, 25)])
        assert len(gid_line(ax, "qm-mean").get_xdata()) == 25  # constant centre: plain line
        assert len(gid_line(ax, "qm-value").get_xdata()) == 25  # the values are never stepped


def test_run_chart_shows_the_median_only_dashed_where_the_runs_signal_fired(qm, rrk):
    res = qm.spc(rrk, value="y", date="x", chart="run", preset="qicharts2", rebase=["2017-10-01"])
    assert res.phases()["runs_signal"].tolist() == [False, True]
    f = res.frame.reset_index(drop=True)
    assert f["lower"].isna().all() and f["upper"].isna().all()
    assert plotting.chart_kind(f) == "run"
    ax = res.plot()
    gids = {ln.get_gid() for ln in ax.get_lines()}
    assert not gids & {"qm-upper", "qm-lower", "qm-mean", "qm-upper_2sigma", "qm-target"}
    median = gid_line(ax, "qm-median")  # phase 0: no signal, solid black
    assert median.get_label() == "Median" and median.get_linestyle() == "-"
    assert to_hex(median.get_color()) == "#000000"
    y = np.asarray(median.get_ydata(), dtype=float)
    assert finite_runs(y) == [(0, 18)]
    np.testing.assert_allclose(y[:18], f["centre"].iloc[:18])
    assert f["centre"].iloc[0] == pytest.approx(f["value"].iloc[:18].median())
    sig = gid_line(ax, "qm-centre-runs-signal")  # phase 1 signalled
    ys = np.asarray(sig.get_ydata(), dtype=float)
    (a, b), = finite_runs(ys)
    np.testing.assert_allclose(ys[a:b], f["centre"].iloc[18:])
    assert sig.get_label() == "Median \u2013 runs signal"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Common cause", "Median", "Median \u2013 runs signal"]
    assert ax.get_title(loc="left") == "Run chart of y"
    assert len(icon_axes(ax, "variation")) == 1 and icon_axes(ax, "assurance") == []
    text = plotting.alt_text(res.frame, res.summary(), value_name="y")
    assert text.startswith("Run chart of y, 36 points from Apr 2016 to Mar 2019, rebased at Oct 2017; ")
    assert "; runs signal in the latest phase; " in text


def test_run_chart_without_runs_rules_and_g_chart_median(qm, rrk):
    ax = qm.spc(rrk, value="y", date="x", chart="run").plot()  # MDC rules: no runs analysis
    assert gid_line(ax, "qm-median").get_label() == "Median"
    assert not [ln for ln in ax.get_lines() if ln.get_gid() == "qm-centre-runs-signal"]
    # the g chart's centre line is the median (qicharts2's convention): named so
    g = pd.Series(np.random.default_rng(3).geometric(0.05, 30).astype(float))
    res = qm.spc(g, chart="g")
    assert res.frame["centre"].iloc[0] == g.median() != g.mean()
    ax = res.plot()
    assert gid_line(ax, "qm-median").get_label() == "Median"
    assert "Process limits" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_cusum_draws_two_sided_sums_with_the_decision_interval(qm, rrk):
    res = qm.spc(rrk, value="y", date="x", chart="cusum", fix_after=12, target=0.95)
    f = res.frame.reset_index(drop=True)
    h = float(f["upper"].iloc[0])
    assert h > 0 and (f["lower"] == -h).all()
    ax = res.plot()
    assert plotting.chart_kind(f) == "cusum"
    assert ax.get_title(loc="left") == "CUSUM of y"
    xnum = _xnum(ax, f["date"])
    upper_sum, lower_sum = gid_line(ax, "qm-cusum-upper"), gid_line(ax, "qm-cusum-lower")
    np.testing.assert_allclose(np.asarray(upper_sum.get_ydata(), dtype=float), f["cusum_upper"])
    np.testing.assert_allclose(np.asarray(lower_sum.get_ydata(), dtype=float), f["cusum_lower"])
    assert (np.asarray(upper_sum.get_ydata()) >= 0).all() and (np.asarray(lower_sum.get_ydata()) <= 0).all()
    for ln in (upper_sum, lower_sum):
        assert to_hex(ln.get_color()) == GREY and ln.get_linestyle() == "-"
    # ±H dashed, zero solid black
    for gid, level in (("qm-upper", h), ("qm-lower", -h)):
        ln = gid_line(ax, gid)
        assert ln.get_linestyle() == "--" and np.allclose(np.asarray(ln.get_ydata(), dtype=float), level)
    zero = gid_line(ax, "qm-zero")
    assert zero.get_linestyle() == "-" and to_hex(zero.get_color()) == "#000000"
    assert np.allclose(np.asarray(zero.get_ydata(), dtype=float), 0.0)
    # the target is a value, not a sum: no target line on the CUSUM axis
    assert not [ln for ln in ax.get_lines() if ln.get_gid() == "qm-target"]
    # points on both sums, coloured where that side signalled (the lower sum: concern, as
    # higher performance is better)
    fired_low = f["rule_cusum_lower"].to_numpy()
    assert fired_low.sum() == 4 and not f["rule_cusum_upper"].any()
    points = [(xv, yv, to_hex(c)) for coll in ax.collections
              for (xv, yv), c in zip(coll.get_offsets(), coll.get_facecolors())]
    assert len(points) == 2 * len(f)
    orange = sorted((xv, yv) for xv, yv, c in points if c == ORANGE)
    assert orange == sorted(zip(xnum[fired_low], f["cusum_lower"].to_numpy()[fired_low]))
    assert all(c == GREY for xv, yv, c in points if (xv, yv) not in orange)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Common cause", "Special cause \u2013 concern", "Zero", "Decision interval (\u00b1H)"]
    # the variation icon from the summary; no assurance icon (the summary has none)
    assert res.summary()["assurance_icon"].isna().all()
    assert [a.get_label() for a in icon_axes(ax, "variation")] == ["qm-variation-icon:concern_low"]
    assert icon_axes(ax, "assurance") == []
    ax.figure.canvas.draw()
    assert not any(t.get_text().endswith("%") for t in ax.get_yticklabels())
    assert plotting.alt_text(res.frame, res.summary(), value_name="y").startswith("CUSUM chart of y, 36 points")


def test_cusum_signal_colours_without_summary_follow_the_side(qm, rrk):
    res = qm.spc(rrk, value="y", date="x", chart="cusum", fix_after=12, improvement="decrease")
    ax = plotting.plot_spc(res.frame)  # no summary: directions read from the point types
    colours = {to_hex(c) for coll in ax.collections for c in coll.get_facecolors()}
    assert colours == {GREY, BLUE}  # falling performance is an improvement here
    (var_ax,) = icon_axes(ax, "variation")
    assert var_ax.get_label() == "qm-variation-icon:improvement_low"


def test_ewma_draws_observations_faint_and_limits_as_curves(qm, rrk):
    res = qm.spc(rrk, value="y", date="x", chart="ewma", fix_after=12)
    f = res.frame.reset_index(drop=True)
    ax = res.plot()
    assert plotting.chart_kind(f) == "ewma"
    assert ax.get_title(loc="left") == "EWMA of y"
    xnum = _xnum(ax, f["date"])
    (obs,) = [c for c in ax.collections if c.get_gid() == "qm-observations"]
    np.testing.assert_allclose(obs.get_offsets()[:, 1], f["value"])
    assert {to_hex(c) for c in obs.get_facecolors()} == {"#bfbfbf"} and obs.get_alpha() < 1
    main = gid_line(ax, "qm-ewma")
    np.testing.assert_allclose(np.asarray(main.get_ydata(), dtype=float), f["ewma"])
    assert main.get_zorder() > obs.get_zorder()
    # time-varying limits: curves through every point (no steps)
    assert f["upper"].nunique() > 1
    for gid, col in (("qm-upper", "upper"), ("qm-lower", "lower")):
        ln = gid_line(ax, gid)
        assert len(ln.get_xdata()) == len(f) and ln.get_linestyle() == "--"
        np.testing.assert_allclose(np.asarray(ln.get_ydata(), dtype=float), f[col])
        np.testing.assert_allclose(_xnum(ax, ln.get_xdata()), xnum)
    # points of the EWMA statistic, coloured by point type
    concern = f["point_type"].to_numpy() == "special_cause_concern"
    assert concern.sum() == 5
    (orange,) = [c for c in ax.collections if c.get_gid() == "qm-points-special_cause_concern"]
    np.testing.assert_allclose(orange.get_offsets()[:, 1], f["ewma"].to_numpy()[concern])
    assert {to_hex(c) for c in orange.get_facecolors()} == {ORANGE}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Common cause", "Special cause \u2013 concern", "Mean", "Process limits", "Observation"]
    ax.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())


def test_chart_kind_from_columns_and_kind_argument(qm, rrk):
    assert plotting.chart_kind(make_frame()) == "shewhart"
    run = make_frame()
    run[["lower", "upper"]] = np.nan
    assert plotting.chart_kind(run) == "run"
    assert plotting.plot_spc(run).get_title(loc="left") == "Run chart of value"
    assert plotting.plot_spc(make_frame(), kind="xmr").get_title(loc="left") == "SPC chart of value"
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_spc(make_frame(), kind="pareto")
    with pytest.raises(ValueError, match="cusum_upper"):
        plotting.plot_spc(make_frame(), kind="cusum")


def test_grid_of_cusum_charts_shares_one_legend(qm):
    df = qm.data.ae_performance("1")
    df = df[df["org_code"].isin(["RRK", "RJ1", "RA7"])]
    res = qm.spc(df, value="performance", date="period", group="org_code", chart="cusum", fix_after=12)
    fig = plotting.plot_grid(res.frame, res.summary(), ncols=3)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Zero" in texts and "Decision interval (\u00b1H)" in texts
    assert texts.index("Zero") < texts.index("Decision interval (\u00b1H)")


@pytest.mark.parametrize("chart", ["p", "run", "cusum", "ewma", "u", "xmr"])
def test_every_kind_renders_to_png(qm, rrk, chart, tmp_path):
    kw = dict(value="y.sum", denominator="n") if chart in ("p", "u") else dict(value="y")
    if chart in ("cusum", "ewma"):
        kw["fix_after"] = 12
    res = qm.spc(rrk, date="x", chart=chart, preset="qicharts2" if chart != "xmr" else "mdc", **kw)
    ax = res.plot()
    out = tmp_path / f"{chart}.png"
    ax.figure.savefig(out, dpi=60)
    assert out.stat().st_size > 5000
