"""``qm.maturity``: maturity and self-assessment scoring.

Frameworks are data (JSON, schema in ``qualitymetrics/frameworks/framework.schema.json``):
domains → elements → criteria, scales (ordinal 1–5 or 1–4, cumulative P/S/O/E, banded
percentages), weights, sub-scores, tags, stages, prerequisites, and the scoring method of each
level (weighted mean, percentage bands, count rules with caps, weakest link, staged gating,
PSOE effectiveness). Assessments are long tables: one row per rating of a criterion by a rater
for a unit in a round.

>>> import qualitymetrics as qm
>>> fw = qm.maturity.Framework.load("qms-maturity")      # or a path to your own JSON file
>>> res = fw.score(df)          # columns unit, round, rater, criterion, rating (+ evidence …)
>>> res.summary()               # one row per unit and round: overall and domain levels
>>> res.gaps("ambition")        # gap to a target profile
>>> res.what_if()               # fewest criteria to improve, and by how much, for the next level
>>> res.compare(last_year)      # change judged against rater noise
>>> res.agreement().summary()   # Krippendorff's alpha, percent agreement
>>> res.plot("heatmap")
"""
from __future__ import annotations

from ._framework import FRAMEWORK_DIR, SCHEMA_PATH, Framework, FrameworkError, bundled, frameworks, schema
from ._plot import alt_text, level_colours, plot_heatmap, plot_profile, plot_radar
from ._result import AgreementResult, MaturityResult, WhatIfResult, krippendorff_alpha

__all__ = [
    "Framework",
    "FrameworkError",
    "MaturityResult",
    "WhatIfResult",
    "AgreementResult",
    "frameworks",
    "bundled",
    "schema",
    "krippendorff_alpha",
    "plot_profile",
    "plot_radar",
    "plot_heatmap",
    "alt_text",
    "level_colours",
    "FRAMEWORK_DIR",
    "SCHEMA_PATH",
]
