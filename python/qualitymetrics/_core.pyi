"""Type stubs for the private compiled module qualitymetrics._core."""
from typing import Optional

import numpy as np
import numpy.typing as npt

class InsufficientDataError(ValueError): ...

RULE_BITS: dict[str, int]

class XmrOptions:
    limit_multiplier: float
    screen_moving_ranges: bool
    screen_multiplier: float
    shift_length: int
    trend_length: int
    rules: int
    fix_after: int
    fix_after_minimum: int
    short_phase_threshold: int
    def __init__(self) -> None: ...
    def validate(self) -> None: ...

def preset(name: str) -> XmrOptions: ...
def preset_names() -> list[str]: ...
def layout_groups(
    codes: npt.NDArray[np.int64], dates: Optional[npt.NDArray[np.int64]]
) -> tuple[Optional[npt.NDArray[np.int64]], npt.NDArray[np.int64], npt.NDArray[np.int64], Optional[int], Optional[int]]: ...
def find_rows(
    offsets: npt.NDArray[np.int64],
    dates: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    request_dates: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], Optional[int]]: ...
def xmr_grouped(
    values: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    targets: Optional[npt.NDArray[np.float64]],
    phase_starts: Optional[npt.NDArray[np.int64]],
    improvement: str,
    options: XmrOptions,
    threads: int = 0,
) -> dict[str, np.ndarray]: ...
