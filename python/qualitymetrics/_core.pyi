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
def set_column_cache_limit(bytes: int) -> int: ...
def release_column_cache() -> None: ...
def column_cache_stats() -> dict[str, int]: ...
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

# ---- live monitors, thresholds, review, control vs assurance (src/bindings/register_monitor.cpp)
_Rules = Optional[Any]  # None, a rule-set name or a list of rule names
_Push = dict[str, Any]  # index, day, value, ..., flags, point_type, learning, alarm, signals, updates

class _MonitorState:
    def save(self) -> bytes: ...
    def to_json(self) -> str: ...
    @property
    def size(self) -> int: ...

class ShewhartMonitor(_MonitorState):
    def __init__(
        self,
        chart: str = "xmr",
        preset: str = "mdc",
        rules: _Rules = None,
        improvement: str = "increase",
        target: float = ...,
        fix_after: int = 0,
        limits: Optional[dict[str, Any]] = None,
    ) -> None: ...
    def push(self, value: float, denominator: float = ..., day: Optional[int] = None, exclude: bool = False) -> _Push: ...
    def replay(
        self,
        values: npt.NDArray[np.float64],
        denominators: Optional[npt.NDArray[np.float64]] = None,
        days: Optional[npt.NDArray[np.int64]] = None,
        exclude: Optional[npt.NDArray[np.uint8]] = None,
    ) -> dict[str, Any]: ...
    def rebase(self, limits: Optional[dict[str, Any]] = None) -> None: ...
    @staticmethod
    def restore(state: bytes) -> "ShewhartMonitor": ...
    @staticmethod
    def from_json(state: str) -> "ShewhartMonitor": ...
    @property
    def learning(self) -> bool: ...
    @property
    def phase_begin(self) -> int: ...
    @property
    def limits(self) -> dict[str, Any]: ...
    @property
    def trial_limits(self) -> dict[str, Any]: ...
    @property
    def options(self) -> dict[str, Any]: ...
    @property
    def runs_analysis(self) -> dict[str, Any]: ...

class CusumMonitor(_MonitorState):
    def __init__(
        self,
        k: float = 0.5,
        h: float = 5.0,
        fast_initial_response: bool = False,
        head_start: float = 0.0,
        reset_after_signal: bool = False,
        fix_after: int = 0,
        target: float = ...,
        sigma: float = ...,
        improvement: str = "increase",
    ) -> None: ...
    def push(self, value: float, size: float = 1.0, day: Optional[int] = None) -> _Push: ...
    def replay(
        self,
        values: npt.NDArray[np.float64],
        sizes: Optional[npt.NDArray[np.float64]] = None,
        days: Optional[npt.NDArray[np.int64]] = None,
    ) -> dict[str, Any]: ...
    @staticmethod
    def restore(state: bytes) -> "CusumMonitor": ...
    @staticmethod
    def from_json(state: str) -> "CusumMonitor": ...
    @property
    def learning(self) -> bool: ...
    @property
    def parameters(self) -> dict[str, float]: ...

class EwmaMonitor(_MonitorState):
    def __init__(
        self,
        lam: float = 0.2,
        limit_sigmas: float = 3.0,
        limits: str = "time_varying",
        fix_after: int = 0,
        target: float = ...,
        sigma: float = ...,
        improvement: str = "increase",
    ) -> None: ...
    def push(self, value: float, size: float = 1.0, day: Optional[int] = None) -> _Push: ...
    def replay(
        self,
        values: npt.NDArray[np.float64],
        sizes: Optional[npt.NDArray[np.float64]] = None,
        days: Optional[npt.NDArray[np.int64]] = None,
    ) -> dict[str, Any]: ...
    @staticmethod
    def restore(state: bytes) -> "EwmaMonitor": ...
    @staticmethod
    def from_json(state: str) -> "EwmaMonitor": ...
    @property
    def learning(self) -> bool: ...
    @property
    def parameters(self) -> dict[str, float]: ...

class BernoulliCusumMonitor(_MonitorState):
    def __init__(
        self, target: float = ..., baseline: int = 0, odds_ratio: float = 2.0, limit: float = 3.5,
        improvement: str = "decrease",
    ) -> None: ...
    def push(self, outcome: float, day: Optional[int] = None) -> _Push: ...
    def replay(self, outcomes: npt.NDArray[np.float64], days: Optional[npt.NDArray[np.int64]] = None) -> dict[str, Any]: ...
    @staticmethod
    def restore(state: bytes) -> "BernoulliCusumMonitor": ...
    @staticmethod
    def from_json(state: str) -> "BernoulliCusumMonitor": ...
    @property
    def learning(self) -> bool: ...
    @property
    def parameters(self) -> dict[str, float]: ...

class RiskAdjustedCusumMonitor(_MonitorState):
    def __init__(
        self,
        odds_ratio_null: float = 1.0,
        odds_ratio_upper: float = 2.0,
        odds_ratio_lower: float = 0.5,
        h_upper: float = 4.5,
        h_lower: float = 4.0,
        reset_after_signal: bool = True,
        improvement: str = "decrease",
    ) -> None: ...
    def push(self, outcome: float, risk: float, day: Optional[int] = None) -> _Push: ...
    def replay(
        self, outcomes: npt.NDArray[np.float64], risks: npt.NDArray[np.float64], days: Optional[npt.NDArray[np.int64]] = None
    ) -> dict[str, Any]: ...
    @staticmethod
    def restore(state: bytes) -> "RiskAdjustedCusumMonitor": ...
    @staticmethod
    def from_json(state: str) -> "RiskAdjustedCusumMonitor": ...
    @property
    def state(self) -> dict[str, float]: ...

class VladMonitor(_MonitorState):
    def __init__(
        self,
        k_deterioration: float = ...,
        k_improvement: float = ...,
        h_deterioration: float = ...,
        h_improvement: float = ...,
        mean_risk: float = ...,
        odds_ratio_deterioration: float = 2.0,
        odds_ratio_improvement: float = 0.5,
        reset_after_signal: bool = True,
        improvement: str = "decrease",
    ) -> None: ...
    def push(self, outcome: float, risk: float, day: Optional[int] = None) -> _Push: ...
    def replay(
        self, outcomes: npt.NDArray[np.float64], risks: npt.NDArray[np.float64], days: Optional[npt.NDArray[np.int64]] = None
    ) -> dict[str, Any]: ...
    @staticmethod
    def restore(state: bytes) -> "VladMonitor": ...
    @staticmethod
    def from_json(state: str) -> "VladMonitor": ...
    @property
    def parameters(self) -> dict[str, float]: ...

def monitor_state_kind(state: bytes) -> str: ...
def monitor_json_kind(state: str) -> str: ...
def learn_limits(
    chart: str,
    preset: str,
    values: npt.NDArray[np.float64],
    denominators: Optional[npt.NDArray[np.float64]] = None,
    exclude: Optional[npt.NDArray[np.uint8]] = None,
) -> dict[str, Any]: ...
def bernoulli_cusum(
    outcomes: npt.NDArray[np.float64], target: float = ..., baseline: int = 0, odds_ratio: float = 2.0, limit: float = 3.5
) -> dict[str, Any]: ...
def risk_adjusted_weight(outcome: float, risk: float, odds_ratio: float, odds_ratio_null: float = 1.0) -> float: ...
def vlad_optimal_k(mean_risk: float, odds_ratio: float) -> float: ...
def cusum_arl(
    k: float, h: float, shift: float = 0.0, sides: str = "two_sided", head_start: float = 0.0, states: int = 100
) -> float: ...
def cusum_arl_siegmund(k: float, h: float, shift: float = 0.0, sides: str = "two_sided") -> float: ...
def cusum_threshold(arl0: float, k: float = 0.5, sides: str = "two_sided", head_start: float = 0.0, states: int = 100) -> float: ...
def cusum_false_alarm_probability(
    k: float, h: float, horizon: int, sides: str = "two_sided", head_start: float = 0.0, states: int = 100
) -> float: ...
def cusum_threshold_for_false_alarm(
    probability: float, horizon: int, k: float = 0.5, sides: str = "two_sided", head_start: float = 0.0, states: int = 100
) -> float: ...
def bernoulli_scores(p0: float, odds_ratio: float) -> tuple[np.ndarray, np.ndarray]: ...
def risk_adjusted_scores(
    risks: npt.NDArray[np.float64], odds_ratio: float, odds_ratio_null: float = 1.0
) -> tuple[np.ndarray, np.ndarray]: ...
def score_cusum_arl(scores: npt.NDArray[np.float64], probabilities: npt.NDArray[np.float64], h: float, states: int = 0) -> float: ...
def score_cusum_threshold(
    scores: npt.NDArray[np.float64], probabilities: npt.NDArray[np.float64], arl0: float, states: int = 0
) -> float: ...
def score_cusum_false_alarm_probability(
    scores: npt.NDArray[np.float64], probabilities: npt.NDArray[np.float64], h: float, horizon: int, states: int = 0
) -> float: ...
def score_cusum_threshold_for_false_alarm(
    scores: npt.NDArray[np.float64], probabilities: npt.NDArray[np.float64], probability: float, horizon: int,
    states: int = 0,
) -> float: ...
def simulate_score_cusum_arl(
    scores: npt.NDArray[np.float64],
    probabilities: npt.NDArray[np.float64],
    h: float,
    runs: int = 10000,
    seed: int = 1,
    max_length: int = 10000000,
) -> dict[str, float]: ...
def review(
    values: npt.NDArray[np.float64],
    denominators: Optional[npt.NDArray[np.float64]],
    offsets: npt.NDArray[np.int64],
    goals: Optional[npt.NDArray[np.float64]],
    period_begin: Optional[npt.NDArray[np.int64]],
    period_end: Optional[npt.NDArray[np.int64]],
    exclude: Optional[npt.NDArray[np.uint8]],
    chart: str,
    preset: str,
    rules: _Rules,
    improvement: str,
    fix_after: int,
    threads: int = 0,
) -> dict[str, Any]: ...
def control_vs_assurance(
    values: npt.NDArray[np.float64],
    denominators: Optional[npt.NDArray[np.float64]],
    days: Optional[npt.NDArray[np.int64]],
    offsets: npt.NDArray[np.int64],
    goals: Optional[npt.NDArray[np.float64]],
    period_begin: Optional[npt.NDArray[np.int64]],
    period_end: Optional[npt.NDArray[np.int64]],
    exclude: Optional[npt.NDArray[np.uint8]],
    chart: str,
    preset: str,
    rules: _Rules,
    improvement: str,
    fix_after: int,
    assurance: str = "not_assured",
    required_share: float = 0.5,
    signals: str = "concern",
    threads: int = 0,
) -> dict[str, Any]: ...
