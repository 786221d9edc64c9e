"""The command line (python/qualitymetrics/cli.py): ``qualitymetrics spc``.

Runs ``qm.cli.main([...])`` in-process on the bundled A&E data and on small CSVs written
here, and checks the files it writes and its exit codes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qualitymetrics as qm
from qualitymetrics import cli
from qualitymetrics.icons import ICON_TEXT

PNG = b"\x89PNG\r\n\x1a\n"
XMR_COLUMNS = ["group", "date", "value", "phase", "centre", "lower", "upper", "lower_1sigma", "upper_1sigma",
               "lower_2sigma", "upper_2sigma", "target", "rule_outside_limits", "rule_shift", "rule_trend",
               "rule_two_of_three", "point_type"]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def harm_csv(tmp_path: Path) -> Path:
    """Two wards, 24 months: patients harmed (numerator) of patients audited (denominator)."""
    rng = np.random.default_rng(5)
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    rows = []
    for ward, p in (("Ward A", 0.08), ("Ward B", 0.15)):
        patients = rng.integers(40, 160, len(months))
        harmed = rng.binomial(patients, p)
        rows.append(pd.DataFrame({"ward": ward, "month": months.strftime("%Y-%m-%d"), "harmed": harmed,
                                  "patients": patients}))
    path = tmp_path / "harm.csv"
    pd.concat(rows, ignore_index=True).to_csv(path, index=False)
    return path


# --------------------------------------------------------------- default run
def test_default_run_on_the_bundled_data(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, stderr = run(["spc", "--out", str(out), "--max-charts", "2"], capsys)
    assert code == 0
    assert "No CSV given" in stdout and "140 series" in stdout
    assert "warning: 1 phase(s) have fewer than 13 points" in stderr  # R0A starts in Oct 2017

    points = pd.read_csv(out / "points.csv")
    assert list(points.columns) == XMR_COLUMNS
    data = qm.data.ae_performance("1")
    assert len(points) == len(data) == 4932
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 140 and summary["group"].nunique() == 140
    assert set(summary["variation_icon"]) <= set(qm.charts.VARIATION_ICONS)
    assert (summary["target"] == 0.95).all()
    phases = pd.read_csv(out / "phases.csv")
    assert set(phases["group"]) == set(summary["group"])

    # the same numbers as calling qm.spc directly (the default run is MDC XmR, target 0.95)
    with pytest.warns(qm.charts.ShortSeriesWarning):
        res = qm.spc(data, value="performance", date="period", group="org_code", target=0.95)
    direct = res.summary()
    np.testing.assert_allclose(summary["upper"], direct["upper"])
    assert (summary["variation_icon"] == direct["variation_icon"].astype(str)).all()

    charts = sorted((out / "charts").glob("*.png"))
    assert [c.name for c in charts] == [f"{g}.png" for g in summary["group"][:2]]
    assert all(c.read_bytes()[:8] == PNG for c in charts)

    page = (out / "index.html").read_text(encoding="utf-8")
    table, key = page.split("<h2>Icon key</h2>")
    assert table.count("<tr><td>") == 140  # one row per trust
    assert key.count("<tr><td>") == summary["variation_icon"].nunique() + summary["assurance_icon"].nunique()
    assert "<th>Variation</th>" in page and "<th>Assurance</th>" in page and "Icon key" in page
    # icons as images with their titles as alt text and their meanings as tooltips
    for icon in set(summary["variation_icon"]):
        assert f"icons/variation_{icon}.svg" in page and (out / "icons" / f"variation_{icon}.svg").exists()
        assert ICON_TEXT[icon] in page
    for icon in set(summary["assurance_icon"].dropna()):
        assert f"icons/assurance_{icon}.svg" in page and (out / "icons" / f"assurance_{icon}.svg").exists()
    assert "alt='Variation: common cause'" in page
    first = summary["group"][0]
    assert f"charts/{first}.png' alt='SPC chart of performance for {first}, " in page


# ------------------------------------------------------------------ p chart
def test_p_chart_on_a_csv(harm_csv, tmp_path, capsys):
    out = tmp_path / "p"
    code, stdout, stderr = run([
        "spc", str(harm_csv), "--value", "harmed", "--denominator", "patients", "--date", "month", "--group", "ward",
        "--chart", "p", "--improvement", "decrease", "--preset", "qicharts2", "--out", str(out)], capsys)
    assert code == 0, stderr
    assert "2 series, 48 points" in stdout

    points = pd.read_csv(out / "points.csv")
    for col in ("numerator", "denominator", "rule_outside_limits", "rule_runs", "rule_crossings"):
        assert col in points.columns
    assert "rule_shift" not in points.columns  # qicharts2: sigma signal + Anhøj rules
    np.testing.assert_allclose(points["value"], points["numerator"] / points["denominator"])
    assert points.groupby("group")["upper"].nunique().min() > 1  # limits vary with the denominators

    src = pd.read_csv(harm_csv)
    res = qm.spc(src, value="harmed", denominator="patients", date="month", group="ward", chart="p",
                 improvement="decrease", preset="qicharts2")
    np.testing.assert_allclose(points["upper"], res.frame["upper"])
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["group"]) == ["Ward A", "Ward B"]
    assert "runs_signal" in summary.columns

    assert sorted(p.name for p in (out / "charts").glob("*.png")) == ["Ward_A.png", "Ward_B.png"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>SPC (p): harmed / patients</title>" in page
    assert "alt='SPC chart of harmed / patients for Ward A, 24 points from Jan 2023 to Dec 2024; " in page


def test_options_reach_qm_spc(harm_csv, tmp_path, capsys):
    # --exclude and --rules on the p chart
    out = tmp_path / "ex"
    code, _, stderr = run([
        "spc", str(harm_csv), "--value", "harmed", "--denominator", "patients", "--date", "month", "--group", "ward",
        "--chart", "p", "--exclude", "2023-03-01", "2023-04-01", "--rules", "outside_limits,shift",
        "--no-charts", "--out", str(out)], capsys)
    assert code == 0, stderr
    points = pd.read_csv(out / "points.csv")
    assert [c for c in points.columns if c.startswith("rule_")] == ["rule_outside_limits", "rule_shift"]
    assert (pd.read_csv(out / "phases.csv")["n_used"] == 22).all()
    assert not (out / "charts").exists()

    # --chart xbar_r with --subgroup, and --dispersion for the R chart
    rng = np.random.default_rng(9)
    sizes = rng.integers(3, 7, 20)
    xbar = tmp_path / "xbar.csv"
    pd.DataFrame({"sample": np.repeat(np.arange(1, 21), sizes), "minutes": rng.normal(30, 4, sizes.sum())}
                 ).to_csv(xbar, index=False)
    for extra in ([], ["--dispersion"]):
        out = tmp_path / f"xbar{len(extra)}"
        code, _, stderr = run(["spc", str(xbar), "--value", "minutes", "--subgroup", "sample", "--chart", "xbar_r",
                               "--max-charts", "1", "--out", str(out)] + extra, capsys)
        assert code == 0, stderr
        points = pd.read_csv(out / "points.csv")
        assert len(points) == 20 and (points["n"] == sizes).all()
        assert (out / "charts" / "minutes.png").read_bytes()[:8] == PNG
    assert not np.allclose(pd.read_csv(tmp_path / "xbar0" / "points.csv")["value"], points["value"])

    # --chart cusum with --fix-after and --option: the decision interval is h sigma
    out = tmp_path / "cusum"
    code, stdout, stderr = run(["spc", "--chart", "cusum", "--fix-after", "12", "--option", "h=4",
                                "--max-charts", "1", "--out", str(out)], capsys)
    assert code == 0, stderr
    points = pd.read_csv(out / "points.csv")
    assert {"cusum_upper", "cusum_lower", "rule_cusum_upper", "rule_cusum_lower"} <= set(points.columns)
    phases = pd.read_csv(out / "phases.csv").set_index("group")
    h = points.groupby("group")["upper"].first()
    np.testing.assert_allclose(h, 4 * phases.loc[h.index, "sigma"])
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "alt='CUSUM chart of performance for " in page

    # a ratio chart on the bundled data: patients seen within four hours over attendances
    out = tmp_path / "bundled_p"
    code, stdout, _ = run(["spc", "--chart", "p", "--no-charts", "--out", str(out)], capsys)
    assert code == 0 and "within_4h / attendances" in stdout
    points = pd.read_csv(out / "points.csv")
    data = qm.data.ae_performance("1")
    np.testing.assert_allclose(np.sort(points["value"]), np.sort(data["performance"]))


# ------------------------------------------------------------------ help
def test_help_documents_the_chart_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["spc", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--chart", "--denominator", "--subgroup", "--rules", "--preset", "--exclude", "--option",
                   "--dispersion"):
        assert option in text
    for word in ("p_prime", "cusum", "ewma", "qicharts2", "anhoej", "numerator"):
        assert word in text


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize("argv,message", [
    (["--value", "nope"], "value: column 'nope' is not in the data"),
    (["--chart", "p", "--denominator", "beds"], "denominator: column 'beds' is not in the data"),
    (["--group", "site"], "group: column 'site' is not in the data"),
    (["--chart", "ewma", "--option", "bogus=1"], "options: unknown ewma option 'bogus'"),
    (["--option", "h"], "option: expected KEY=VALUE"),
    (["--rules", "nope"], "rules[0]: unknown rule 'nope'"),
    (["--rebase", "2031-01-01"], "rebase: date 2031-01-01 is not in the data"),
])
def test_bad_input_exits_2_naming_the_argument(tmp_path, capsys, argv, message):
    code, _, stderr = run(["spc", "--no-charts", "--out", str(tmp_path / "x")] + argv, capsys)
    assert code == 2
    assert stderr.startswith("qualitymetrics: ") and message in stderr


def test_bad_csv_input(harm_csv, tmp_path, capsys):
    out = str(tmp_path / "x")
    code, _, stderr = run(["spc", str(harm_csv), "--value", "harm", "--date", "month", "--out", out], capsys)
    assert code == 2 and "value: column 'harm' is not in the data (columns: ward, month, harmed" in stderr
    code, _, stderr = run(["spc", str(harm_csv), "--date", "month", "--out", out], capsys)
    assert code == 2 and "value: --value is required with a CSV" in stderr
    code, _, stderr = run(["spc", str(tmp_path / "missing.csv"), "--value", "y", "--out", out], capsys)
    assert code == 2 and "csv: file" in stderr and "not found" in stderr
    code, _, stderr = run(["spc", str(harm_csv), "--value", "harmed", "--date", "month", "--chart", "p",
                           "--out", out], capsys)
    assert code == 2 and "denominator: the p chart needs denominator=" in stderr
    with pytest.raises(SystemExit) as exc:  # argparse: an unknown chart is a usage error
        cli.main(["spc", "--chart", "pareto"])
    assert exc.value.code == 2
    assert "--chart" in capsys.readouterr().err
