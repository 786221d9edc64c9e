"""How phe_sii_input.csv and phe_sii_cases.csv were made: PHE/UKHSA's own SII test fixtures.

Source: ukhsa-collaboration/PHEindicatormethods @ 093fd288 (version 2.1.0),
tests/testthat/testdata_SII.xlsx (sheet testdata_SII), produced by PHE with their Excel SII tool
and asserted by the package's tests/testthat/testSII.R. Each block of rows of the sheet is one
test case: its quantile rows (the inputs) and, on the first row of each area, the expected SII,
RII, intercept and confidence limits. The parameters of each case (value_type, transform,
multiplier, confidence) are the ones testSII.R passes for that block; they are listed in CASES
below (the sheet's own Confidence column is not always the level tested). The expected limits
come from a simulation (100,000 repetitions) and are matched within simulation error; the SII,
RII and intercept are exact. No package code is copied.

Run from a checkout of that repository:  python extract_phe_sii.py /path/to/PHEindicatormethods
(reads the .xlsx with the standard library, as extract_phe_fixtures.py does).
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

from extract_phe_fixtures import COMMIT, HERE, read_xlsx

# (case, first record, last record, value_type, transform, multiplier, confidence levels, ci_from)
CASES = [
    ("default", 1, 20, "other", False, 1.0, "0.95", "se"),
    ("confidence_99", 21, 40, "other", False, 1.0, "0.99", "cl"),
    ("quintiles", 61, 70, "other", False, 1.0, "0.95", "se"),
    ("rate", 71, 90, "rate", False, 1.0, "0.95", "se"),
    ("proportion", 91, 110, "proportion", False, 1.0, "0.95", "cl"),
    ("proportion_x100", 111, 130, "proportion", False, 100.0, "0.95", "cl"),
    ("proportion_x-100", 131, 150, "proportion", False, -100.0, "0.95", "cl"),
    ("multiple_levels", 226, 245, "other", False, 1.0, "0.95;0.99", "se"),
    ("intercept", 246, 265, "other", False, 1.0, "0.95", "cl"),
    ("rate_intercept", 266, 285, "rate", False, 1.0, "0.95", "cl"),
    ("proportion_intercept", 286, 305, "proportion", False, 1.0, "0.95", "cl"),
    ("rate_log", 306, 325, "rate", True, 1.0, "0.95", "cl"),
    ("proportion_logit", 326, 345, "proportion", True, 1.0, "0.95", "cl"),
    ("proportion_logit_x-1", 346, 365, "proportion", True, -1.0, "0.95", "cl"),
    ("rate_log_95_98", 366, 385, "rate", True, 1.0, "0.95;0.98", "cl"),
    ("rate_log_x-1", 386, 405, "rate", True, -1.0, "0.95", "cl"),
    ("rate_log_98", 406, 425, "rate", True, 1.0, "0.98", "cl"),
    ("proportion_logit_98", 466, 485, "proportion", True, 1.0, "0.98", "cl"),
    ("proportion_logit_95_98", 486, 505, "proportion", True, 1.0, "0.95;0.98", "cl"),
]

INPUT_COLUMNS = ["case", "area", "quantile", "population", "count", "value", "lower", "upper", "se"]
RESULT_COLUMNS = ["case", "area", "value_type", "transform", "multiplier", "confidence", "ci_from", "sii", "rii",
                  "intercept", "sii_lower_1", "sii_upper_1", "rii_lower_1", "rii_upper_1", "sii_lower_2",
                  "sii_upper_2", "rii_lower_2", "rii_upper_2"]


def main(repo: Path) -> None:
    rows = read_xlsx(repo, "testdata_SII.xlsx")["testdata_SII"]
    by_record = {int(r["RecordNo"]): r for r in rows}
    inputs, results = [], []
    for case, first, last, vt, transform, mult, conf, ci_from in CASES:
        for k in range(first, last + 1):
            r = by_record[k]
            inputs.append({"case": case, "area": r["Area"], "quantile": r["Quantile"], "population": r["Population"],
                           "count": r["Count"], "value": r["Value"], "lower": r["LowerCL"], "upper": r["UpperCL"],
                           "se": r["StandardError"]})
            if r["sii"]:
                results.append({"case": case, "area": r["Area"], "value_type": vt, "transform": int(transform),
                                "multiplier": mult, "confidence": conf, "ci_from": ci_from, "sii": r["sii"],
                                "rii": r["rii"], "intercept": r["Intercept"],
                                "sii_lower_1": r["sii_lowercl_1"], "sii_upper_1": r["sii_uppercl_1"],
                                "rii_lower_1": r["rii_lowercl_1"], "rii_upper_1": r["rii_uppercl_1"],
                                "sii_lower_2": r["sii_lowercl_2"], "sii_upper_2": r["sii_uppercl_2"],
                                "rii_lower_2": r["rii_lowercl_2"], "rii_upper_2": r["rii_uppercl_2"]})
    src = f"ukhsa-collaboration/PHEindicatormethods@{COMMIT}:tests/testthat/testdata_SII.xlsx (testSII.R)"
    for name, data, cols, note in (
            ("phe_sii_input.csv", inputs, INPUT_COLUMNS,
             "quantile rows of each test case (quantile 1 = most deprived); lower/upper are 95% limits; se is on the\n"
             "log scale for rates and the logit scale for proportions, as phe_sii uses it"),
            ("phe_sii_cases.csv", results, RESULT_COLUMNS,
             "expected results per case and area (PHE Excel tool); confidence lists the levels (';'), limits _1 and _2\n"
             "in that order; intercept is given only where the case tested it; ci_from: the inputs the case used")):
        with open(HERE / name, "w", newline="") as f:
            f.write(f"# source: {src}\n")
            f.write("".join(f"# {line}\n" for line in note.splitlines()))
            w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
