"""qualitymetrics: statistical process control, assurance and maturity scoring for health and care.

>>> import qualitymetrics as qm
>>> res = qm.spc(df, value="performance", date="month", group="trust",
...              improvement="increase", target=0.95)
>>> res.summary()          # one row per trust: icons, limits, signal counts
>>> res.frame              # one row per point
>>> res.plot("RRK")        # NHS Making Data Count chart
"""
from __future__ import annotations

from ._core import (
    InsufficientDataError,
    column_cache_stats,
    preset_names,
    release_column_cache,
    set_column_cache_limit,
)
from .charts import ShortSeriesWarning, SPCResult, spc
from .compare import ComparisonResult, compare
from .data import ae_attendances, ae_performance
from .funnel import FunnelResult, funnel
from .capability import CapabilityResult, TargetAssuranceResult, capability, target_assurance
from .board import BoardSummary, board_summary
from . import inequality
from . import periods
from . import maturity
from . import monitor
from .review import ControlVsAssurance, ReviewResult, control_vs_assurance, retrospective_review

__version__ = "0.1.0"

__all__ = [
    "spc",
    "SPCResult",
    "ShortSeriesWarning",
    "funnel",
    "FunnelResult",
    "compare",
    "ComparisonResult",
    "capability",
    "CapabilityResult",
    "target_assurance",
    "TargetAssuranceResult",
    "inequality",
    "board_summary",
    "BoardSummary",
    "InsufficientDataError",
    "preset_names",
    "set_column_cache_limit",
    "release_column_cache",
    "column_cache_stats",
    "ae_attendances",
    "ae_performance",
    "periods",
    "__version__",
    "maturity",
    "monitor",
    "control_vs_assurance",
    "ControlVsAssurance",
    "retrospective_review",
    "ReviewResult",
]
