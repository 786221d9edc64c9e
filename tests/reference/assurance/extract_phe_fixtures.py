"""How the phe_*.csv files here were made: extracts of PHEindicatormethods' own test fixtures.

Source: ukhsa-collaboration/PHEindicatormethods @ 093fd288 (version 2.1.0), tests/testthat/.
The fixtures were produced by PHE/UKHSA with their Excel tools and checked by the package's
testthat suite (testFunnels.R, testWilson.R, testByars.R, testDSRs.R, testISRatios.R,
testMeans.R). We keep selections of rows (inputs and the package's expected outputs) as test
vectors, with the few aggregate numbers (average, smallest and largest denominator) that the
selections need to reproduce the full-data results. No package code is copied.

Run from a checkout of that repository:  python extract_phe_fixtures.py /path/to/PHEindicatormethods
(the .xlsx fixtures are read with the standard library: they are zip files of XML).
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

COMMIT = "093fd28"
HERE = Path(__file__).resolve().parent
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def git_show(repo: Path, path: str, binary: bool = False):
    out = subprocess.run(["git", "-C", str(repo), "show", f"{COMMIT}:{path}"], capture_output=True, check=True)
    return out.stdout if binary else out.stdout.decode("utf-8-sig")


def read_csv(repo: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(git_show(repo, f"tests/testthat/{name}"))))


def read_xlsx(repo: Path, name: str) -> dict[str, list[dict[str, str]]]:
    z = zipfile.ZipFile(io.BytesIO(git_show(repo, f"tests/testthat/{name}", binary=True)))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    sheets = {}
    for s in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[s.get(f"{{{NS['r']}}}id")].lstrip("/")
        target = target if target.startswith("xl/") else "xl/" + target
        rows = []
        for row in ET.fromstring(z.read(target)).iter(f"{{{NS['m']}}}row"):
            cells = {}
            for c in row.findall("m:c", NS):
                col = re.match(r"[A-Z]+", c.get("r")).group()
                v = c.find("m:v", NS)
                cells[col] = "" if v is None else (shared[int(v.text)] if c.get("t") == "s" else v.text)
            rows.append(cells)
        header = rows[0]
        sheets[s.get("name")] = [{header[k]: r.get(k, "") for k in header if header[k]} for r in rows[1:]
                                 if any(r.values())]
    return sheets


def write(name: str, rows: list[dict[str, str]], columns: list[str], comment: str) -> None:
    with open(HERE / name, "w", newline="") as f:
        f.write("".join(f"# {line}\n" for line in comment.strip().splitlines()))
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(repo: Path) -> None:
    src = f"ukhsa-collaboration/PHEindicatormethods@{COMMIT}:tests/testthat/"
    # proportions: every row that is not 0.001-significant, plus the first 10 of each 0.001 class
    p = read_csv(repo, "testdata_funnel_prop_inputs.csv")
    dens = [float(r["denominator"]) for r in p]
    av = sum(float(r["numerator"]) for r in p) / sum(dens)
    keep, seen = [], {"High (0.001)": 0, "Low (0.001)": 0}
    for r in p:
        s = r["significance"]
        if s in seen:
            seen[s] += 1
            if seen[s] > 10:
                continue
        keep.append(r)
    write("phe_funnel_proportion_significance.csv", keep, ["Area", "numerator", "denominator", "significance"],
          f"""source: {src}testdata_funnel_prop_inputs.csv (assign_funnel_significance, statistic = "proportion")
selection of {len(keep)} of {len(p)} rows; over all {len(p)} rows: average = sum(numerator)/sum(denominator) = {av!r},
smallest denominator = {min(dens)!r}, largest = {max(dens)!r}""")
    for name, out in (("testdata_funnel_prop_outputs.csv", "phe_funnel_proportion_limits.csv"),
                      ("testdata_funnel_prop_outputs_with_axis_variation.csv",
                       "phe_funnel_proportion_limits_axis_variation.csv")):
        rows = read_csv(repo, name)
        sub = [r for r in p if float(r["denominator"]) < 31000] if "axis" in name else p
        d = [float(r["denominator"]) for r in sub]
        a = sum(float(r["numerator"]) for r in sub) / sum(d)
        write(out, rows, list(rows[0].keys()),
              f"""source: {src}{name} (calculate_funnel_limits, statistic = "proportion", multiplier = 100)
input: testdata_funnel_prop_inputs.csv{' with denominator < 31000' if 'axis' in name else ''}: {len(sub)} rows,
average = {a!r}, smallest denominator = {min(d)!r}, largest = {max(d)!r}""")
    # ratios
    r = read_csv(repo, "testdata_funnel_ratio_inputs.csv")
    write("phe_funnel_ratio_significance.csv", r[:80], ["obs", "expected", "significance"],
          f"source: {src}testdata_funnel_ratio_inputs.csv (assign_funnel_significance, statistic = \"ratio\"), first 80 of {len(r)} rows")
    e = [float(x["expected"]) for x in r]
    ro = read_csv(repo, "testdata_funnel_ratio_outputs.csv")
    cols = list(ro[0].keys())
    for x in ro:
        x["Observed_events"] = x.pop(cols[0])
    write("phe_funnel_ratio_limits.csv", ro, ["Observed_events"] + cols[1:],
          f"""source: {src}testdata_funnel_ratio_outputs.csv (calculate_funnel_limits, statistic = "ratio",
ratio_type "count" and "isr", multiplier = 100) on testdata_funnel_ratio_inputs.csv: {len(r)} rows,
smallest expected = {min(e)!r}, largest = {max(e)!r}""")
    # rates
    rs = read_csv(repo, "testdata_funnel_rate_dsr_inputs.csv")
    write("phe_funnel_rate_significance.csv", rs, list(rs[0].keys()),
          f"source: {src}testdata_funnel_rate_dsr_inputs.csv (assign_funnel_significance, statistic = \"rate\"), all rows")
    ri = read_csv(repo, "testdata_funnel_rate_input_funnels.csv")
    write("phe_funnel_rate_inputs.csv", ri, ["ev", "rate"],
          f"source: {src}testdata_funnel_rate_input_funnels.csv (columns ev, rate), all rows")
    rl = read_csv(repo, "testdata_funnel_rate_outputs.csv")
    write("phe_funnel_rate_limits.csv", rl, list(rl[0].keys()),
          f"""source: {src}testdata_funnel_rate_outputs.csv (calculate_funnel_limits, statistic = "rate",
rate_type = "dsr", multiplier = 1e5, years_of_data = 3) on phe_funnel_rate_inputs.csv""")
    # confidence intervals (Excel-computed expected values)
    bw = read_xlsx(repo, "testdata_Byars_Wilson.xlsx")["testdata_B_W"]
    write("phe_byar_wilson.csv", bw, ["x", "n", "lowercl", "uppercl", "confidence", "method"],
          f"source: {src}testdata_Byars_Wilson.xlsx sheet testdata_B_W (testByars.R, testWilson.R), all rows")
    dsr = read_xlsx(repo, "testdata_DSR_ISR.xlsx")
    write("phe_dsr_input.csv", dsr["testdata_multiarea"], ["area", "ageband", "count", "pop"],
          f"source: {src}testdata_DSR_ISR.xlsx sheet testdata_multiarea (testDSRs.R; standard population esp2013)")
    write("phe_dsr_results.csv", dsr["testresults_DSR"][:8],
          ["area", "total_count", "total_pop", "value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl",
           "statistic", "method"],
          f"source: {src}testdata_DSR_ISR.xlsx sheet testresults_DSR, rows 1-8 (independent events)")
    write("phe_isr_results.csv", dsr["testresults_ISR"][:12],
          ["area", "observed", "expected", "ref_rate", "value", "lower95_0cl", "upper95_0cl", "lower99_8cl",
           "upper99_8cl", "statistic", "method"],
          f"source: {src}testdata_DSR_ISR.xlsx sheet testresults_ISR, rows 1-12")
    mean = read_xlsx(repo, "testdata_Mean.xlsx")
    write("phe_mean_input.csv", mean["testdata_Mean"], ["area", "values"],
          f"source: {src}testdata_Mean.xlsx sheet testdata_Mean")
    write("phe_mean_results.csv", mean["testdata_Mean_results"],
          ["area", "value_sum", "value_count", "stdev", "value", "lower95_0cl", "upper95_0cl", "lower99_8cl",
           "upper99_8cl"], f"source: {src}testdata_Mean.xlsx sheet testdata_Mean_results")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
