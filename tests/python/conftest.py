from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE


def read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "ae" / name)
