"""Command line: ``qualitymetrics spc [CSV] --value V --date D [--group G] ... --out DIR``.

With no CSV it runs on the bundled NHS England A&E data: type-1 four-hour performance for every
trust, improvement increase, target 0.95 — so the first run shows real output.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

import pandas as pd


def _safe(name: object) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)) or "series"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qualitymetrics", description="Quality metrics engine for health and care.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("spc", help="SPC charts (NHS Making Data Count) for one series or every group of a CSV")
    s.add_argument("csv", nargs="?", help="input CSV (default: bundled A&E four-hour performance, every trust)")
    s.add_argument("--value", help="value column")
    s.add_argument("--date", help="date column")
    s.add_argument("--group", help="group column (one chart per group)")
    s.add_argument("--improvement", default="increase", choices=["increase", "decrease", "neutral"])
    s.add_argument("--target", type=float, help="target (assurance icon)")
    s.add_argument("--rebase", nargs="*", default=None, help="dates where a new phase starts")
    s.add_argument("--fix-after", type=int, default=None, help="fix limits after this many points (>= 12)")
    s.add_argument("--preset", default="mdc")
    s.add_argument("--out", default="qm-output", help="output folder (default: qm-output)")
    s.add_argument("--no-charts", action="store_true", help="write the tables only")
    s.add_argument("--max-charts", type=int, default=None, help="draw at most this many charts")
    return p


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, dict]:
    from .data import ae_performance

    if args.csv is None:
        df = ae_performance("1")
        spec = dict(value="performance", date="period", group="org_code",
                    improvement="increase", target=0.95 if args.target is None else args.target)
        print(f"No CSV given: using the bundled NHS England A&E data, type-1 four-hour performance for "
              f"{df['org_code'].nunique()} trusts, April 2016 to March 2019 (improvement increase, target 0.95).")
        return df, spec
    if args.value is None:
        raise SystemExit("qualitymetrics spc: --value is required with a CSV")
    df = pd.read_csv(args.csv)
    spec = dict(value=args.value, date=args.date, group=args.group, improvement=args.improvement,
                target=args.target)
    return df, spec


def _write_index(out: Path, summary: pd.DataFrame, charts: dict, title: str) -> None:
    from .icons import ICON_TEXT

    rows = []
    for _, r in summary.iterrows():
        g = r["group"]
        img = charts.get(g)
        var = str(r["variation_icon"])
        ass = r["assurance_icon"] if isinstance(r["assurance_icon"], str) else None
        rows.append(
            "<tr><td>{g}</td><td>{d}</td><td>{v:.4g}</td><td>{c:.4g}</td><td>{lo:.4g} – {up:.4g}</td>"
            "<td title='{vt}'>{var}</td><td title='{at}'>{ass}</td><td>{img}</td></tr>".format(
                g=html.escape(str(g)), d=html.escape(str(r["latest_date"])[:10]), v=r["latest_value"],
                c=r["centre"], lo=r["lower"], up=r["upper"], var=html.escape(var),
                vt=html.escape(ICON_TEXT.get(var, "")), ass=html.escape(ass or "—"),
                at=html.escape(ICON_TEXT.get(ass, "") if ass else "No target, or a neutral measure."),
                img=f"<img src='{html.escape(img)}' alt='SPC chart for {html.escape(str(g))}' width='360'>"
                if img else ""))
    page = ("<!doctype html><html lang='en'><meta charset='utf-8'><title>{t}</title>"
            "<style>body{{font-family:Arial,sans-serif}}td,th{{padding:4px 8px;border-bottom:1px solid #ddd}}</style>"
            "<h1>{t}</h1><table><tr><th>Group</th><th>Latest</th><th>Value</th><th>Mean</th><th>Process limits</th>"
            "<th>Variation</th><th>Assurance</th><th>Chart</th></tr>{rows}</table></html>").format(
                t=html.escape(title), rows="".join(rows))
    (out / "index.html").write_text(page, encoding="utf-8")


def run_spc(args: argparse.Namespace) -> int:
    from . import spc
    from .charts import ShortSeriesWarning

    df, spec = _load(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ShortSeriesWarning)
        res = spc(df, rebase=args.rebase, fix_after=args.fix_after, preset=args.preset, **spec)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res.frame.to_csv(out / "points.csv", index=False)
    summary = res.summary()
    summary.to_csv(out / "summary.csv", index=False)
    res.phases().to_csv(out / "phases.csv", index=False)
    charts: dict = {}
    if not args.no_charts:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        (out / "charts").mkdir(exist_ok=True)
        groups = list(summary["group"]) if res.group_labels is not None else [None]
        if args.max_charts is not None:
            groups = groups[: args.max_charts]
        for g in groups:
            ax = res.plot(g)
            name = f"charts/{_safe(g if g is not None else spec['value'])}.png"
            ax.figure.savefig(out / name, dpi=100, bbox_inches="tight")
            plt.close(ax.figure)
            charts[g] = name
    _write_index(out, summary, charts, f"SPC: {spec['value']}")
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
