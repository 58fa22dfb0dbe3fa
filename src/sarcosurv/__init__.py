"""sarcosurv: survival analysis for clinical registries.

Kaplan-Meier and the log-rank family, Cox proportional hazards with a formula
interface, shared gamma frailty by centre, and a validated registry schema,
checked against R ``survival``.
"""

from __future__ import annotations

from . import errors, registry, report
from .cox import CoxResult, coxph
from .followup import FollowupResult, median_followup
from .frailty import FrailtyResult
from .imputation import ImputationResult, PooledResult, impute, mi_coxph, pool
from .km import KaplanMeierResult, kaplan_meier
from .logrank import LogrankResult, logrank_test

__version__ = "0.1.0"

__all__ = [
    "CoxResult",
    "FollowupResult",
    "FrailtyResult",
    "ImputationResult",
    "KaplanMeierResult",
    "LogrankResult",
    "PooledResult",
    "__version__",
    "coxph",
    "errors",
    "impute",
    "kaplan_meier",
    "logrank_test",
    "median_followup",
    "mi_coxph",
    "pool",
    "registry",
    "report",
]
