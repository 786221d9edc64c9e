"""Command line: ``qualitymetrics spc [CSV] --value V --date D [--group G] ... --out DIR``.

With no CSV it runs on the bundled NHS England A&E data: type-1 four-hour performance for every
trust, improvement increase, target 0.95 — so the first run shows real output. ``--chart``
chooses any chart of the catalogue (run, XmR, p, u, Xbar, CUSUM, EWMA …); on the bundled data a
ratio chart (p, np, u, p′, u′) uses the patients seen within four hours over the attendances.

Writes points.csv (``SPCResult.frame``), summary.csv (``.summary()``), phases.csv (``.phases()``),
one PNG chart per group under charts/, the icons used under icons/, and index.html (one row per
group: latest value, centre, limits, variation and assurance icons with their meanings, chart).
Bad input (an unknown column, a date not in the data, a bad option) prints a message naming
the argument and exits with status 2.
"""
from __future__ import annotations

import argparse
import html
import math
import re
import sys
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import pandas as pd

from ._core import RULE_SET_NAMES as RULE_SETS
from .charts import CHARTS, PRESETS, RATIO_CHARTS

_EPILOG = """\
examples:
  qualitymetrics spc                                   bundled A&E data, MDC XmR charts for every trust
  qualitymetrics spc --chart p --preset qicharts2      bundled data as p charts, qicharts2 limits and Anhoej rules
  qualitymetrics spc falls.csv --value falls --denominator bed_days --date month --chart u \\
      --improvement decrease --exclude 2020-04-01 2020-05-01
  qualitymetrics spc audit.csv --value minutes --subgroup week --chart xbar_s
  qualitymetrics spc data.csv --value y --date month --chart cusum --fix-after 12 --option h=4

Give the CSV before options that take several values (--rebase, --exclude, --rules).
"""


def _safe(name: object) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)) or "series"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qualitymetrics", description="Quality metrics engine for health and care.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser(
        "spc", help="SPC charts (NHS Making Data Count) for one series or every group of a CSV",
        description="SPC charts for one series or every group of a CSV (default: the bundled NHS England\n"
                    "A&E four-hour performance of every trust, MDC XmR charts, target 0.95).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("csv", nargs="?", help="input CSV (default: bundled A&E four-hour performance, every trust)")
    s.add_argument("--value", help="value column (for ratio charts: the numerator)")
    s.add_argument("--date", help="date column")
    s.add_argument("--group", help="group column (one chart per group)")
    s.add_argument("--chart", default="xmr", choices=CHARTS, metavar="CHART",
                   help="chart type: " + ", ".join(CHARTS) + " (default: xmr)")
    s.add_argument("--denominator", metavar="COLUMN",
                   help="denominator column for the ratio charts p, np, u, p_prime, u_prime (--value is then "
                        "the numerator)")
    s.add_argument("--subgroup", metavar="COLUMN",
                   help="column naming the subgroups of an xbar_r / xbar_s chart (default: the date)")
    s.add_argument("--dispersion", action="store_true",
                   help="xbar_r / xbar_s: draw the companion R or S chart instead of the chart of means")
    s.add_argument("--improvement", default="increase", choices=["increase", "decrease", "neutral"],
                   help="which direction is better (default: increase)")
    s.add_argument("--target", type=float, help="target (assurance icon)")
    s.add_argument("--rebase", nargs="*", default=None, metavar="DATE", help="dates where a new phase starts")
    s.add_argument("--fix-after", type=int, default=None, metavar="N",
                   help="fix each phase's limits after its first N points (MDC XmR: at least 12)")
    s.add_argument("--exclude", nargs="+", default=None, metavar="DATE",
                   help="dates shown on the chart but left out of the limits")
    s.add_argument("--rules", nargs="+", default=None, metavar="RULE",
                   help="a rule set (" + ", ".join(RULE_SETS) + ") or rule names, e.g. "
                        "'--rules outside_limits shift' or 'outside_limits,shift' (default: the preset's)")
    s.add_argument("--preset", default="mdc", choices=PRESETS,
                   help="limit arithmetic and rules of one tool: " + ", ".join(PRESETS) + " (default: mdc)")
    s.add_argument("--option", action="append", default=None, metavar="KEY=VALUE",
                   help="a CUSUM / EWMA option, e.g. k=0.5, h=5, lam=0.2, limit_sigmas=3, limits=asymptotic, "
                        "fast_initial_response=true (repeatable)")
    s.add_argument("--out", default="qm-output", help="output folder (default: qm-output)")
    s.add_argument("--no-charts", action="store_true", help="write the tables only")
    s.add_argument("--max-charts", type=int, default=None, metavar="N", help="draw at most N charts")
    return p


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, dict]:
    from .data import ae_performance

    if args.csv is None:
        df = ae_performance("1")
        # patients seen within four hours: the numerator of performance (for the ratio charts)
        df["within_4h"] = df["attendances"] - df["breaches"]
        ratio = args.chart in RATIO_CHARTS
        value = args.value or ("within_4h" if ratio else "performance")
        denominator = args.denominator or ("attendances" if ratio else None)
        spec = dict(value=value, date=args.date or "period", group=args.group or "org_code",
                    improvement=args.improvement, target=0.95 if args.target is None else args.target,
                    denominator=denominator)
        what = (f"{value} / {denominator}" if denominator
                else "four-hour performance" if value == "performance" else value)
        print(f"No CSV given: using the bundled NHS England A&E data, type-1 {what} for "
              f"{df['org_code'].nunique()} trusts, April 2016 to March 2019 "
              f"(chart {args.chart}, improvement {spec['improvement']}, target {spec['target']:g}).")
        return df, spec
    if args.value is None:
        raise ValueError("value: --value is required with a CSV")
    try:
        df = pd.read_csv(args.csv)
    except FileNotFoundError:
        raise ValueError(f"csv: file {args.csv!r} not found") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"csv: file {args.csv!r} is empty") from None
    spec = dict(value=args.value, date=args.date, group=args.group, improvement=args.improvement,
                target=args.target, denominator=args.denominator)
    return df, spec


def _rules(values: Optional[Sequence[str]]) -> Any:
    """One rule-set name as a string, else a list of rule names (commas also separate)."""
    if values is None:
        return None
    names = [v for item in values for v in item.split(",") if v]
    if not names:
        raise ValueError("rules: give a rule set or rule names")
    if len(names) == 1 and names[0] in RULE_SETS:
        return names[0]
    return names


def _options(items: Optional[Sequence[str]]) -> Optional[dict]:
    """``KEY=VALUE`` strings as a dict: numbers, true/false, or text."""
    if not items:
        return None
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"option: expected KEY=VALUE, got {item!r}")
        raw = raw.strip()
        value: Any
        if raw.lower() in ("true", "yes", "on"):
            value = True
        elif raw.lower() in ("false", "no", "off"):
            value = False
        else:
            try:
                value = float(raw)
            except ValueError:
                value = raw
        out[key] = value
    return out


def _spc_kwargs(args: argparse.Namespace, spec: dict) -> dict:
    kw = dict(spec)
    kw.update(chart=args.chart, preset=args.preset, rebase=args.rebase, fix_after=args.fix_after,
              exclude=args.exclude, rules=_rules(args.rules), options=_options(args.option))
    if args.subgroup is not None:
        kw["subgroup"] = args.subgroup
    if args.dispersion:
        kw["dispersion"] = True
    # leave out what was not given, so that qm.spc's own defaults apply
    return {k: v for k, v in kw.items() if v is not None and not (k == "rebase" and v == [])}


_DASH = "\u2014"


def _number(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return _DASH
    return _DASH if not math.isfinite(x) else f"{x:.4g}"


def _icon_cell(out: Path, written: dict, icon: Optional[str], kind: str) -> str:
    """An <img> of the icon (written once to icons/) with its meaning as alt text and tooltip;
    a dash when there is no icon (no assurance without a target or for a neutral measure)."""
    from .icons import ICON_TEXT, icon_title, save_icon

    if icon is None:
        return f"<td title='No target, or a neutral measure.'>{_DASH}</td>"
    key = icon
    if (kind, key) not in written:
        (out / "icons").mkdir(exist_ok=True)
        name = f"icons/{kind}_{key}.svg"
        save_icon(icon, kind, out / name)
        written[(kind, key)] = name
    title = icon_title(icon, kind)
    meaning = ICON_TEXT.get(key, "")
    return (f"<td title='{html.escape(meaning, quote=True)}'><img src='{html.escape(written[(kind, key)])}' "
            f"alt='{html.escape(title, quote=True)}' width='40' height='40'> "
            f"<span class='icon-name'>{html.escape(key)}</span></td>")


def _write_index(out: Path, summary: pd.DataFrame, charts: dict, title: str, alt: dict,
                 centre_name: str = "Mean") -> None:
    written: dict = {}
    rows = []
    for _, r in summary.iterrows():
        g = r["group"]
        img = charts.get(g)
        var = str(r["variation_icon"])
        ass = r["assurance_icon"] if isinstance(r["assurance_icon"], str) else None
        limits = f"{_number(r['lower'])} \u2013 {_number(r['upper'])}"
        chart = ""
        if img:
            words = alt.get(g) or f"SPC chart for {g}"
            chart = f"<img src='{html.escape(img)}' alt='{html.escape(words, quote=True)}' width='360'>"
        rows.append(
            "<tr><td>{g}</td><td>{d}</td><td>{v}</td><td>{c}</td><td>{lim}</td>{var}{ass}<td>{chart}</td></tr>".format(
                g=html.escape(str(g)), d=html.escape(str(r["latest_date"])[:10]), v=_number(r["latest_value"]),
                c=_number(r["centre"]), lim=limits, var=_icon_cell(out, written, var, "variation"),
                ass=_icon_cell(out, written, ass, "assurance"), chart=chart))
    key_rows = "".join(
        f"<tr><td><img src='{html.escape(path)}' alt='' width='32' height='32'></td>"
        f"<td>{html.escape(_key_text(icon))}</td></tr>" for (kind, icon), path in sorted(written.items(), key=_key_order))
    page = ("<!doctype html><html lang='en'><meta charset='utf-8'><title>{t}</title>"
            "<style>body{{font-family:Arial,sans-serif;color:#212B32}}"
            "td,th{{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}}"
            ".icon-name{{font-size:80%;color:#425563}}</style>"
            "<h1>{t}</h1><table><tr><th>Group</th><th>Latest</th><th>Value</th><th>{cn}</th><th>Limits</th>"
            "<th>Variation</th><th>Assurance</th><th>Chart</th></tr>{rows}</table>"
            "<h2>Icon key</h2><table>{keys}</table></html>").format(
                t=html.escape(title), cn=html.escape(centre_name), rows="".join(rows), keys=key_rows)
    (out / "index.html").write_text(page, encoding="utf-8")


def _key_text(icon: str) -> str:
    from .icons import ICON_TEXT, ICON_TITLES

    return f"{ICON_TITLES[icon]}. {ICON_TEXT.get(icon, '')}".strip()


def _key_order(item: tuple[tuple[str, str], str]) -> tuple[int, int]:
    """Variation icons first, each family in its usual order."""
    from .icons import ASSURANCE_ICONS, VARIATION_ICONS

    (kind, icon), _ = item
    order = VARIATION_ICONS if kind == "variation" else ASSURANCE_ICONS
    return (0 if kind == "variation" else 1, order.index(icon) if icon in order else len(order))


def run_spc(args: argparse.Namespace) -> int:
    from . import spc
    from .charts import ShortSeriesWarning

    if args.max_charts is not None and args.max_charts < 0:
        raise ValueError(f"max-charts: must be 0 or more, got {args.max_charts}")
    df, spec = _load(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ShortSeriesWarning)
        res = spc(df, **_spc_kwargs(args, spec))
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res.frame.to_csv(out / "points.csv", index=False)
    summary = res.summary()
    summary.to_csv(out / "summary.csv", index=False)
    res.phases().to_csv(out / "phases.csv", index=False)
    charts: dict = {}
    alt: dict = {}
    from .plotting import alt_text, chart_kind, plot_spc

    kind = chart_kind(res.frame)
    label = res.value_name  # ratio charts: "numerator / denominator"
    if not args.no_charts:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        (out / "charts").mkdir(exist_ok=True)
        groups = list(summary["group"]) if res.group_labels is not None else [None]
        if args.max_charts is not None:
            groups = groups[: args.max_charts]
        rows = {g: r for g, (_, r) in zip(list(summary["group"]), summary.iterrows())}
        for g in groups:
            ax = plot_spc(res.frame, summary, group=g, value_name=label)
            name = f"charts/{_safe(g if g is not None else spec['value'])}.png"
            ax.figure.savefig(out / name, dpi=100, bbox_inches="tight")
            plt.close(ax.figure)
            charts[g] = name
            alt[g] = alt_text(res.frame, rows.get(g), group=g, value_name=label)
    centre_name = {"run": "Median", "cusum": "Centre"}.get(kind, "Mean")
    _write_index(out, summary, charts, f"SPC ({args.chart}): {label}", alt, centre_name)
    counts = summary["variation_icon"].astype(str).value_counts()
    print(f"{res.n_groups} series, {len(res.values)} points -> {out}/ (points.csv, summary.csv, phases.csv, "
          f"index.html, {len(charts)} charts)")
    print("variation: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if summary["assurance_icon"].notna().any():
        a = summary["assurance_icon"].value_counts()
        print("assurance: " + ", ".join(f"{k} {v}" for k, v in a.items()))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "spc":
            return run_spc(args)
    except ValueError as exc:
        print(f"qualitymetrics: {exc}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
