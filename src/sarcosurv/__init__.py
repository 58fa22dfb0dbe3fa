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
from .km import KaplanMeierResult, kaplan_meier
from .logrank import LogrankResult, logrank_test

from .imputation import ImputationResult, PooledResult, impute, mi_coxph, pool

__version__ = "0.1.0"

__all__ = [
    "CoxResult",
    "FollowupResult",
    "FrailtyResult",
    "KaplanMeierResult",
    "LogrankResult",
    "__version__",
    "coxph",
    "errors",
    "kaplan_meier",
    "logrank_test",
    "median_followup",
    "registry",
    "report",
    "ImputationResult",
    "PooledResult",
    "impute",
    "mi_coxph",
    "pool",
]
