"""Type stubs for the private compiled module qualitymetrics._core."""
from typing import Any, Optional

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

# ---- calendars (register_periods.cpp): int64 days since 1970-01-01 at the boundary
def period_name(period: str) -> str: ...
def period_start(days: npt.NDArray[np.int64], period: str) -> npt.NDArray[np.int64]: ...
def period_label(days: npt.NDArray[np.int64], period: str) -> list[str]: ...
def period_starts(first: int, last: int, period: str) -> npt.NDArray[np.int64]: ...
def first_out_of_order(
    times: npt.NDArray[np.int64], groups: Optional[npt.NDArray[np.int64]]
) -> Optional[tuple[int, int]]: ...
def aggregate_periods(
    days: npt.NDArray[np.int64],
    groups: Optional[npt.NDArray[np.int64]],
    numerator: Optional[npt.NDArray[np.float64]],
    denominator: Optional[npt.NDArray[np.float64]],
    period: str,
    how: str,
    start: Optional[int] = None,
    end: Optional[int] = None,
    span: str = "all",
    n_groups: int = 0,
) -> dict[str, Any]: ...
def days_between(
    times: npt.NDArray[np.int64],
    groups: Optional[npt.NDArray[np.int64]],
    units_per_day: int = 1,
    sort: bool = False,
    n_groups: int = 0,
) -> dict[str, np.ndarray]: ...
def cases_between(
    indicator: npt.NDArray[np.float64],
    groups: Optional[npt.NDArray[np.int64]],
    times: Optional[npt.NDArray[np.int64]],
    units_per_day: int = 1,
    sort: bool = False,
    include_first: bool = True,
    n_groups: int = 0,
) -> dict[str, np.ndarray]: ...
def cases_between_days(
    event_days: npt.NDArray[np.int64],
    event_groups: Optional[npt.NDArray[np.int64]],
    case_days: npt.NDArray[np.int64],
    case_counts: npt.NDArray[np.float64],
    case_groups: Optional[npt.NDArray[np.int64]],
    sort: bool = False,
    include_first: bool = True,
    n_groups: int = 0,
) -> dict[str, np.ndarray]: ...

# ---- assurance: funnel plots and benchmark comparison (src/bindings/register_assurance.cpp)
FUNNEL_BANDS: list[str]
COMPARISONS: list[str]
TWO_LEVEL_COMPARISONS: list[str]
COMPARE_STATUSES: list[str]

class FunnelOptions:
    type: str
    scale: str
    limits: str
    overdispersion: str
    trim: str
    improvement: str
    trim_fraction: float
    adjust_only_if_overdispersed: bool
    target: float
    multiplier: float
    level: float
    z_95: float
    z_998: float
    square_back_sqrt: bool
    funnelplotr_ratio_of_counts: bool
    round_expected: bool
    minimum_events: float
    exact_below: float
    @property
    def resolved_scale(self) -> str: ...
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    def as_dict(self) -> dict[str, Any]: ...

class FunnelModel:
    @property
    def options(self) -> FunnelOptions: ...
    @property
    def target(self) -> float: ...
    @property
    def target_scaled(self) -> float: ...
    @property
    def phi(self) -> float: ...
    @property
    def tau2(self) -> float: ...
    @property
    def n_units(self) -> int: ...
    @property
    def n_used(self) -> int: ...
    @property
    def dispersion_p(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def adjusted(self) -> bool: ...
    def curve(self, denominators: npt.NDArray[np.float64]) -> dict[str, np.ndarray]: ...

def funnel_preset(name: str, type: str) -> FunnelOptions: ...
def funnel_preset_names() -> list[str]: ...
def funnel(
    numerator: npt.NDArray[np.float64],
    denominator: npt.NDArray[np.float64],
    options: FunnelOptions,
    threads: int = 0,
) -> tuple[FunnelModel, dict[str, np.ndarray]]: ...
def funnel_grid(lowest: float, highest: float, n: int, integers: bool = False) -> npt.NDArray[np.float64]: ...
def phe_funnel_limits(
    statistic: str,
    numerator: npt.NDArray[np.float64],
    denominator: npt.NDArray[np.float64],
    multiplier: float,
    ratio_type: str = "isr",
    years_of_data: float = 1.0,
) -> dict[str, Any]: ...
def phe_rate_denominators(
    numerator: npt.NDArray[np.float64],
    denominator: Optional[npt.NDArray[np.float64]],
    rate: npt.NDArray[np.float64],
    multiplier: float,
    rate_type: str,
) -> npt.NDArray[np.float64]: ...
def compare(
    statistic: str,
    numerator: npt.NDArray[np.float64],
    denominator: Optional[npt.NDArray[np.float64]],
    standard: Optional[npt.NDArray[np.float64]],
    offsets: Optional[npt.NDArray[np.int64]],
    benchmark: npt.NDArray[np.float64],
    method: str = "ci",
    polarity: str = "increase",
    multiplier: float = 1.0,
    exact_below: float = 10.0,
    dsr_minimum_events: float = 10.0,
    threads: int = 0,
) -> dict[str, np.ndarray]: ...
def pooled_benchmark(
    statistic: str,
    numerator: npt.NDArray[np.float64],
    denominator: Optional[npt.NDArray[np.float64]],
    multiplier: float = 1.0,
) -> float: ...

RULE_NAMES: list[str]
RULE_SET_NAMES: list[str]

def chart_rules(chart: str, preset: str, rules: object) -> int: ...
def chart_grouped(
    values: npt.NDArray[np.float64],
    denominators: Optional[npt.NDArray[np.float64]],
    subgroup_offsets: Optional[npt.NDArray[np.int64]],
    offsets: npt.NDArray[np.int64],
    targets: Optional[npt.NDArray[np.float64]],
    phase_starts: Optional[npt.NDArray[np.int64]],
    exclude: Optional[npt.NDArray[np.uint8]],
    improvement: str,
    chart: str,
    preset: str,
    rules: object,
    fix_after: int = 0,
    dispersion: bool = False,
    threads: int = 0,
) -> dict[str, np.ndarray]: ...
def time_weighted(
    kind: str,
    values: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    sizes: Optional[npt.NDArray[np.float64]],
    targets: Optional[npt.NDArray[np.float64]],
    sigmas: Optional[npt.NDArray[np.float64]],
    fix_after: int = 0,
    k: float = 0.5,
    h: float = 5.0,
    fast_initial_response: bool = False,
    reset_after_signal: bool = False,
    lam: float = 0.2,
    limit_sigmas: float = 3.0,
    limits: str = "time_varying",
    threads: int = 0,
) -> dict[str, np.ndarray]: ...

# ---- maturity (src/bindings/register_maturity.cpp)
class MaturityFrameworkError(ValueError):
    file: str
    pointer: str
    problem: str

MATURITY_FLAGS: list[str]
MATURITY_WHAT_IF_OUTCOMES: list[str]
MATURITY_JUDGEMENTS: list[str]

class MaturityFramework:
    @staticmethod
    def load(path: str, scoring: str = "") -> MaturityFramework: ...
    @staticmethod
    def parse(text: str, file: str = "<string>", scoring: str = "") -> MaturityFramework: ...
    def with_scoring(self, scoring: str) -> MaturityFramework: ...
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def missing(self) -> str: ...
    @property
    def subscore_rule(self) -> str: ...
    @property
    def evidence(self) -> dict[str, Any]: ...
    @property
    def criteria(self) -> npt.NDArray[np.int64]: ...
    def find(self, id: str) -> int: ...
    def nodes(self) -> dict[str, Any]: ...
    def scales(self) -> list[dict[str, Any]]: ...
    def targets(self) -> dict[str, dict[str, Any]]: ...
    def parse_ratings(
        self, criterion: npt.NDArray[np.int64], texts: list[str]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], Optional[int]]: ...
    def level_value(self, node: int, text: str) -> Optional[float]: ...
    def scale_description(self, scale: int) -> str: ...

class MaturityScore:
    @property
    def n_units(self) -> int: ...
    @property
    def n_rounds(self) -> int: ...
    @property
    def n_nodes(self) -> int: ...
    def columns(self) -> dict[str, np.ndarray]: ...

def maturity_score(
    framework: MaturityFramework,
    data: dict[str, Optional[np.ndarray]],
    n_units: int,
    n_rounds: int,
    n_raters: int,
    overrides: list[tuple[int, int, int, float, int, str]],
    options: dict[str, Any],
) -> MaturityScore: ...
def maturity_agreement(
    framework: MaturityFramework,
    data: dict[str, Optional[np.ndarray]],
    n_units: int,
    n_rounds: int,
    n_raters: int,
    options: dict[str, Any],
    metric: Optional[str],
    tolerance: float,
) -> dict[str, np.ndarray]: ...
def krippendorff_alpha(
    values: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64], metric: str, tolerance: float = 0.0
) -> dict[str, float]: ...
def maturity_what_if(
    score: MaturityScore, node: int, level: Optional[int], minimise: bool = True, threads: int = 0
) -> dict[str, np.ndarray]: ...
def maturity_gaps(score: MaturityScore, nodes: npt.NDArray[np.int64], levels: npt.NDArray[np.int64]) -> dict[str, np.ndarray]: ...
def maturity_compare(
    previous_score: npt.NDArray[np.float64],
    previous_se: npt.NDArray[np.float64],
    previous_level: npt.NDArray[np.int32],
    previous_status: npt.NDArray[np.uint8],
    score: npt.NDArray[np.float64],
    se: npt.NDArray[np.float64],
    level: npt.NDArray[np.int32],
    status: npt.NDArray[np.uint8],
    z: float = 1.96,
) -> dict[str, np.ndarray]: ...
def maturity_compare_rounds(score: MaturityScore, z: float = 1.96) -> dict[str, np.ndarray]: ...
def maturity_rollup(score: MaturityScore, by: Optional[npt.NDArray[np.int64]], k: int = 3) -> dict[str, Any]: ...

# ---- assurance: capability, target assurance, inequality, board summary (register_assurance2.cpp)
CAPABILITY_STATUSES: list[str]
MEET_MODELS: list[str]
BOARD_COLUMNS: list[str]
BOARD_ROWS: list[str]
BOARD_ACTIONS: list[list[str]]
BOARD_SEVERITY: list[list[int]]

def capability_grouped(
    values: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    lower: Optional[npt.NDArray[np.float64]],
    upper: Optional[npt.NDArray[np.float64]],
    nominal: Optional[npt.NDArray[np.float64]],
    confidence: float = 0.95,
    mr_d2: float = 1.128,
    screen_moving_ranges: bool = False,
    screen_multiplier: float = 3.267,
    within_df_factor: float = 1.0,
    cpm_interval: str = "boyles",
    threads: int = 0,
) -> dict[str, np.ndarray]: ...
def target_assurance(
    chart: str,
    statistic: npt.NDArray[np.float64],
    centre: npt.NDArray[np.float64],
    lower: npt.NDArray[np.float64],
    upper: npt.NDArray[np.float64],
    denominator: Optional[npt.NDArray[np.float64]],
    offsets: npt.NDArray[np.int64],
    phase_begin: Optional[npt.NDArray[np.int64]],
    targets: Optional[npt.NDArray[np.float64]],
    improvement: str,
    threads: int = 0,
) -> dict[str, np.ndarray]: ...
def target_index(
    target: npt.NDArray[np.float64],
    centre: npt.NDArray[np.float64],
    lower: npt.NDArray[np.float64],
    upper: npt.NDArray[np.float64],
    improvement: str,
) -> npt.NDArray[np.float64]: ...
def sii(
    values: npt.NDArray[np.float64],
    population: npt.NDArray[np.float64],
    se: Optional[npt.NDArray[np.float64]],
    lower: Optional[npt.NDArray[np.float64]],
    upper: Optional[npt.NDArray[np.float64]],
    offsets: npt.NDArray[np.int64],
    value_type: str = "other",
    transform: bool = False,
    multiplier: float = 1.0,
    repetitions: int = 100000,
    confidence: list[float] = ...,
    ci_confidence: float = 0.95,
    seed: int = 1,
    minimum_quantiles: int = 2,
    threads: int = 0,
) -> dict[str, Any]: ...
def sii_fit(values: npt.NDArray[np.float64], population: npt.NDArray[np.float64]) -> dict[str, Any]: ...
def board_summary(
    variation_icon: npt.NDArray[np.int8],
    assurance_icon: npt.NDArray[np.int8],
    target_index: Optional[npt.NDArray[np.float64]] = None,
) -> dict[str, Any]: ...
