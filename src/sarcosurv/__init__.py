"""sarcosurv: survival analysis for clinical registries.

Kaplan-Meier and the log-rank family, Cox proportional hazards with a formula
interface, shared gamma frailty by centre, and a validated registry schema,
checked against R ``survival``.
"""

from __future__ import annotations

from . import errors, registry, report
from .competing import (
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayTestResult,
    cumulative_incidence,
    finegray,
    gray_test,
)
from .cox import CoxResult, coxph
from .followup import FollowupResult, median_followup
from .frailty import FrailtyResult
from .km import KaplanMeierResult, kaplan_meier
from .logrank import LogrankResult, logrank_test
from .rmst import RMSTTestResult, rmst_test

__version__ = "0.1.0"

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "FollowupResult",
    "FrailtyResult",
    "GrayTestResult",
    "KaplanMeierResult",
    "LogrankResult",
    "RMSTTestResult",
    "__version__",
    "coxph",
    "cumulative_incidence",
    "errors",
    "finegray",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "median_followup",
    "registry",
    "report",
    "rmst_test",
]
