"""Bundled real data: NHS England A&E attendances and four-hour breaches, April 2016 to March
2019, every trust (as packaged in NHSRdatasets 0.3.3; Open Government Licence v3.0)."""
from __future__ import annotations

from importlib import resources

import pandas as pd


def ae_attendances() -> pd.DataFrame:
    """12,765 rows: period (month), org_code, type ('1', '2', 'other'), attendances, breaches, admissions."""
    with resources.files(__package__).joinpath("data/ae_attendances.csv.gz").open("rb") as fh:
        df = pd.read_csv(fh, compression="gzip", dtype={"type": str, "org_code": str})
    df["period"] = pd.to_datetime(df["period"])
    return df


def ae_performance(type: str = "1") -> pd.DataFrame:
    """Four-hour performance (1 - breaches / attendances) per trust and month for one A&E type."""
    df = ae_attendances()
    df = df[df["type"] == type].copy()
    df["performance"] = 1.0 - df["breaches"] / df["attendances"]
    return df.sort_values(["org_code", "period"]).reset_index(drop=True)
