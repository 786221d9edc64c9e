"""qm.spc against a pandas groupby baseline and a vectorised numpy baseline, in the same run.

    python benchmarks/python/bench_spc.py [--rows N] [--repeats R] [--markdown] [--threads T]

Cases (every one checks that the implementations agree on ``point_type`` for every row, and on
the limits to 1e-9 relative, and fails loudly with example rows when they do not):

* ``grouped``: N rows (default 600,000) = N/60 trusts ("T00001", ...) x 60 monthly dates,
  four-hour-performance-like values with level shifts, ramps and 0.2 % missing values,
  rows ordered by trust and month;
* ``grouped, shuffled rows``: the same frame with its rows shuffled;
* ``grouped, integer counts``: the same shape with small Poisson counts, so that points lie
  exactly on the centre line and steps tie (the exact-comparison cases);
* ``single series``: one series of 1,000,000 points (qm.spc on the values, time order = row
  order) against the numpy baseline.

Timings are the best of R repeats (time.perf_counter). ``qm.spc`` is timed with the result
frame built (``result.frame``), with all cores (threads=0, the default) and with one thread.
The numpy baseline is timed twice: from the DataFrame (sort by group and date, offsets, then
the kernel) and the kernel alone on pre-sorted values and offsets. The pandas baseline is the
idiomatic groupby/transform/rolling code in baselines.py; both baselines are validated against
NHSRplotthedots in tests/python/test_baselines.py.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines  # noqa: E402

MONTHS = 60


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------

def make_frame(rows: int, seed: int = 20240501, counts: bool = False) -> pd.DataFrame:
    """rows // 60 groups x 60 monthly dates, ordered by group and month. Deterministic."""
    groups = max(1, rows // MONTHS)
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS)
    if counts:
        rate = rng.uniform(1.0, 12.0, groups)[:, None] * np.ones(MONTHS)
        shift_at = rng.integers(10, MONTHS - 10, groups)
        shifted = rng.random(groups) < 0.3
        rate = np.where(shifted[:, None] & (t >= shift_at[:, None]), rate * rng.uniform(0.5, 1.8, groups)[:, None],
                        rate)
        y = rng.poisson(rate).astype(np.float64)
    else:
        level = rng.uniform(0.70, 0.95, groups)[:, None]
        noise = rng.uniform(0.01, 0.04, groups)[:, None]
        y = level + noise * rng.standard_normal((groups, MONTHS))
        # level shifts in 30% of groups, a 9-month ramp in 10%, a few isolated spikes
        shift_at = rng.integers(6, MONTHS - 6, groups)[:, None]
        shifted = (rng.random(groups) < 0.30)[:, None]
        y += np.where(shifted & (t >= shift_at), rng.normal(0, 0.05, groups)[:, None], 0.0)
        ramp_at = rng.integers(0, MONTHS - 9, groups)[:, None]
        ramped = (rng.random(groups) < 0.10)[:, None]
        step = rng.choice([-1.0, 1.0], groups)[:, None] * 0.02
        y += np.where(ramped, step * np.clip(t - ramp_at, 0, 9), 0.0)
        spikes = rng.random((groups, MONTHS)) < 0.005
        y += spikes * rng.choice([-1.0, 1.0], (groups, MONTHS)) * 0.15
        y[rng.random((groups, MONTHS)) < 0.002] = np.nan
    labels = np.array([f"T{g + 1:05d}" for g in range(groups)], dtype=object)
    months = pd.date_range("2019-04-01", periods=MONTHS, freq="MS")
    return pd.DataFrame({
        "trust": np.repeat(labels, MONTHS),
        "month": np.tile(months.to_numpy(), groups),
        "value": y.reshape(-1),
    })


# ---------------------------------------------------------------------------------------------
# the implementations, as timed
# ---------------------------------------------------------------------------------------------

def run_qm(df: pd.DataFrame, threads: int = 0) -> pd.DataFrame:
    import qualitymetrics as qm

    result = qm.spc(df, value="value", date="month", group="trust", improvement="increase", target=0.95,
                    threads=threads)
    return result.frame


def run_pandas(df: pd.DataFrame) -> pd.DataFrame:
    return baselines.mdc_pandas_groupby(df, value="value", group="trust", date="month", improvement="increase")


def numpy_inputs(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values sorted by group and date, CSR offsets, and the row order (positions in df)."""
    codes, uniques = pd.factorize(df["trust"], sort=True)
    days = df["month"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    order = np.lexsort((days, codes))
    values = df["value"].to_numpy(dtype=np.float64)[order]
    offsets = np.zeros(len(uniques) + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=len(uniques)), out=offsets[1:])
    return values, offsets, order


def run_numpy(df: pd.DataFrame) -> dict:
    values, offsets, order = numpy_inputs(df)
    res = baselines.mdc_numpy_vectorised(values, offsets, improvement="increase")
    res["order"] = order
    return res


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        out = None
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# ---------------------------------------------------------------------------------------------
# agreement
# ---------------------------------------------------------------------------------------------

class Disagreement(AssertionError):
    pass


def compare(case: str, name: str, ref_name: str, got: dict[str, np.ndarray], ref: dict[str, np.ndarray],
            keys: pd.DataFrame, problems: list[str]) -> None:
    """Compare point_type exactly and centre/lower/upper to 1e-9 relative; record examples."""
    pt_got = np.asarray(got["point_type"], dtype=object)
    pt_ref = np.asarray(ref["point_type"], dtype=object)
    bad = np.flatnonzero(pt_got != pt_ref)
    if bad.size:
        lines = [f"[{case}] {name} vs {ref_name}: point_type differs on {bad.size} of {pt_ref.size} rows"]
        for i in bad[:8]:
            k = ", ".join(f"{c}={keys[c].iat[i]}" for c in keys.columns)
            rules = " ".join(f"{r}:{int(got[r][i])}/{int(ref[r][i])}" for r in
                             ("rule_outside_limits", "rule_trend", "rule_two_of_three", "rule_shift")
                             if r in got and r in ref)
            lines.append(f"    row {i} ({k}): value={keys_value(got, ref, i)} {name}={pt_got[i]} "
                         f"{ref_name}={pt_ref[i]} centre={float(ref['centre'][i])!r} [{rules}]")
        problems.append("\n".join(lines))
    for col in ("centre", "lower", "upper"):
        a = np.asarray(got[col], dtype=np.float64)
        b = np.asarray(ref[col], dtype=np.float64)
        both_nan = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(both_nan, 0.0, np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
        rel = np.where(np.isnan(rel), np.inf, rel)
        worst = int(np.argmax(rel))
        if rel[worst] > 1e-9:
            problems.append(f"[{case}] {name} vs {ref_name}: {col} differs, worst row {worst}: "
                            f"{float(a[worst])!r} vs {float(b[worst])!r} (relative {rel[worst]:.3g})")


def keys_value(got: dict, ref: dict, i: int) -> str:
    v = ref.get("value", got.get("value"))
    return "NaN" if v is None else repr(float(v[i]))


def as_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy() for c in frame.columns if c not in ("group", "date")}


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

def grouped_case(case: str, df: pd.DataFrame, repeats: int, threads: int, have_qm: bool,
                 problems: list[str]) -> list[dict]:
    n = len(df)
    rows: list[dict] = []
    t_pd, pdres = best_of(lambda: run_pandas(df), repeats)
    rows.append(dict(case=case, impl="pandas groupby baseline", seconds=t_pd, rows=n))
    t_np, npres = best_of(lambda: run_numpy(df), repeats)
    rows.append(dict(case=case, impl="numpy vectorised baseline (from the frame)", seconds=t_np, rows=n))
    values, offsets, order = numpy_inputs(df)
    t_nk, _ = best_of(lambda: baselines.mdc_numpy_vectorised(values, offsets, "increase"), repeats)
    rows.append(dict(case=case, impl="numpy vectorised baseline (kernel only)", seconds=t_nk, rows=n))

    # the pandas baseline's rows are ordered by group and date with the input's index labels
    sorted_keys = pd.DataFrame({"trust": pdres["group"].to_numpy(), "month": pdres["date"].to_numpy()})
    np_cols = {k: v for k, v in npres.items() if k != "order"}
    if not np.array_equal(pdres.index.to_numpy(), df.index.to_numpy()[npres["order"]]):
        problems.append(f"[{case}] pandas and numpy baselines order the rows differently")
    compare(case, "numpy", "pandas", np_cols, as_columns(pdres), sorted_keys, problems)

    if have_qm:
        t_qm, frame = best_of(lambda: run_qm(df, threads), repeats)
        rows.insert(0, dict(case=case, impl=f"qm.spc + .frame (threads={threads or 'all'})", seconds=t_qm, rows=n))
        if threads != 1:
            t_q1, _ = best_of(lambda: run_qm(df, 1), repeats)
            rows.insert(1, dict(case=case, impl="qm.spc + .frame (threads=1)", seconds=t_q1, rows=n))
        if len(frame) != n or not np.array_equal(frame.index.to_numpy(), pdres.index.to_numpy()):
            problems.append(f"[{case}] qm.spc frame rows are not the pandas baseline's rows in the same order")
        else:
            if not (np.array_equal(frame["group"].astype(object).to_numpy(), pdres["group"].to_numpy())
                    and np.array_equal(frame["date"].to_numpy(dtype="datetime64[ns]"),
                                       pdres["date"].to_numpy(dtype="datetime64[ns]"))):
                problems.append(f"[{case}] qm.spc frame group/date columns differ from the baseline's")
            qcols = as_columns(frame)
            compare(case, "qm", "pandas", qcols, as_columns(pdres), sorted_keys, problems)
            compare(case, "qm", "numpy", qcols, np_cols, sorted_keys, problems)
    return rows


def single_series_case(points: int, repeats: int, threads: int, have_qm: bool, problems: list[str]) -> list[dict]:
    case = f"single series, {points:,} points"
    rng = np.random.default_rng(7)
    y = 100.0 + np.cumsum(rng.normal(0, 0.05, points)) * 0.1 + rng.standard_normal(points)
    y[rng.random(points) < 0.001] = np.nan
    offsets = np.array([0, points], dtype=np.int64)
    rows: list[dict] = []
    t_nk, npres = best_of(lambda: baselines.mdc_numpy_vectorised(y, offsets, "increase"), repeats)
    rows.append(dict(case=case, impl="numpy vectorised baseline", seconds=t_nk, rows=points))
    if have_qm:
        import qualitymetrics as qm

        t_qm, frame = best_of(lambda: qm.spc(y, improvement="increase", threads=threads).frame, repeats)
        rows.insert(0, dict(case=case, impl="qm.spc + .frame", seconds=t_qm, rows=points))
        keys = pd.DataFrame({"row": np.arange(points)})
        compare(case, "qm", "numpy", as_columns(frame), npres, keys, problems)
    return rows


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------

def print_table(rows: list[dict], markdown: bool) -> None:
    by_case: dict[str, list[dict]] = {}
    for r in rows:
        by_case.setdefault(r["case"], []).append(r)
    header = ["case", "implementation", "seconds", "rows/second", "qm.spc speed-up"]
    lines = []
    for case, rs in by_case.items():
        qm_t = next((r["seconds"] for r in rs if r["impl"].startswith("qm.spc")), None)
        for r in rs:
            ratio = "" if qm_t is None or r["impl"].startswith("qm.spc") else f"{r['seconds'] / qm_t:.1f}x"
            lines.append([case, r["impl"], f"{r['seconds']:.4f}", f"{r['rows'] / r['seconds']:,.0f}", ratio])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---", "---", "---:", "---:", "---:"]) + "|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        fmt = "  ".join("{:<%d}" % w if i < 2 else "{:>%d}" % w for i, w in enumerate(widths))
        print(fmt.format(*header))
        print(fmt.format(*("-" * w for w in widths)))
        for line in lines:
            print(fmt.format(*line))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=600_000, help="rows of the grouped frame (60 per group)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats; the best time is reported")
    ap.add_argument("--series-points", type=int, default=1_000_000, help="points of the single-series case")
    ap.add_argument("--threads", type=int, default=0, help="qm.spc threads (0: all cores)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--no-shuffled", action="store_true", help="skip the shuffled-rows case")
    ap.add_argument("--no-counts", action="store_true", help="skip the integer-counts case")
    args = ap.parse_args(argv)

    try:
        import qualitymetrics as qm

        qm.spc  # noqa: B018
        have_qm = True
        qm_version = getattr(qm, "__version__", "?")
    except ImportError as exc:
        have_qm = False
        qm_version = f"not importable ({exc}); baselines only"

    groups = max(1, args.rows // MONTHS)
    print(f"# qm.spc benchmark: {groups:,} groups x {MONTHS} months = {groups * MONTHS:,} rows; "
          f"best of {args.repeats}")
    print(f"# python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"qualitymetrics {qm_version}, {os.cpu_count()} CPUs, {platform.machine()}")

    problems: list[str] = []
    rows: list[dict] = []
    df = make_frame(args.rows)
    rows += grouped_case("grouped, sorted rows", df, args.repeats, args.threads, have_qm, problems)
    if not args.no_shuffled:
        shuffled = df.sample(frac=1.0, random_state=1)
        rows += grouped_case("grouped, shuffled rows", shuffled, args.repeats, args.threads, have_qm, problems)
    if not args.no_counts:
        counts = make_frame(args.rows, seed=99, counts=True)
        rows += grouped_case("grouped, integer counts", counts, args.repeats, args.threads, have_qm, problems)
    if args.series_points > 0:
        rows += single_series_case(args.series_points, args.repeats, args.threads, have_qm, problems)

    print()
    print_table(rows, args.markdown)
    print()
    if problems:
        print("DISAGREEMENTS:")
        for p in problems:
            print(p)
        raise Disagreement(f"{len(problems)} disagreement(s) between implementations (see above)")
    print("agreement: point_type equal on every row" + (" (qm.spc, pandas, numpy)" if have_qm else
                                                       " (pandas, numpy; qm.spc not importable)")
          + "; centre/lower/upper within 1e-9 relative")
    return 0


if __name__ == "__main__":
    sys.exit(main())
