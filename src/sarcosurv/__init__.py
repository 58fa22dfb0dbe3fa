"""sarcosurv: survival analysis for clinical registries.

Kaplan-Meier and the log-rank family, Cox proportional hazards with a formula
interface, shared gamma frailty by centre, and a validated registry schema,
checked against R ``survival``.

Importing the package is cheap: the estimators and subpackages below are
imported when first used (PEP 562), so ``import sarcosurv`` does not import
scipy.stats, formulaic or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors

if TYPE_CHECKING:
    from . import registry, report, studies
    from .centre_effect import CentreEffectResult, centre_effect_tests, centre_score_test
    from .competing import (  # type: ignore[no-redef]
        CumulativeIncidenceResult,
        FineGrayResult,
        GrayTestResult,
        cumulative_incidence,
        finegray,
        gray_test,
    )
    from .cox import CoxResult, FrailtyResult, coxph
    from .followup import FollowupResult, median_followup
    from .imputation import (  # type: ignore[no-redef]
        ImputationResult,
        PooledResult,
        impute,
        mi_coxph,
        pool,
    )
    from .km import KaplanMeierResult, kaplan_meier
    from .logrank import LogrankResult, logrank_test
    from .rmst import RMSTTestResult, rmst_test
    from .surv import Surv

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first use).
_LAZY: dict[str, str] = {
    "CoxResult": ".cox",
    "coxph": ".cox",
    "FollowupResult": ".followup",
    "median_followup": ".followup",
    "FrailtyResult": ".cox",
    "Surv": ".surv",
    "CumulativeIncidenceResult": ".competing",
    "FineGrayResult": ".competing",
    "GrayTestResult": ".competing",
    "cumulative_incidence": ".competing",
    "finegray": ".competing",
    "gray_test": ".competing",
    "RMSTTestResult": ".rmst",
    "rmst_test": ".rmst",
    "CentreEffectResult": ".centre_effect",
    "centre_effect_tests": ".centre_effect",
    "centre_score_test": ".centre_effect",
    "ImputationResult": ".imputation",
    "PooledResult": ".imputation",
    "impute": ".imputation",
    "mi_coxph": ".imputation",
    "pool": ".imputation",
    "KaplanMeierResult": ".km",
    "kaplan_meier": ".km",
    "LogrankResult": ".logrank",
    "logrank_test": ".logrank",
}
_SUBPACKAGES = ("cox", "counting", "registry", "report", "studies")

__all__ = [
    "CentreEffectResult",
    "CoxResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "FollowupResult",
    "FrailtyResult",
    "GrayTestResult",
    "ImputationResult",
    "KaplanMeierResult",
    "LogrankResult",
    "PooledResult",
    "RMSTTestResult",
    "Surv",
    "__version__",
    "centre_effect_tests",
    "centre_score_test",
    "coxph",
    "cumulative_incidence",
    "errors",
    "finegray",
    "gray_test",
    "impute",
    "kaplan_meier",
    "logrank_test",
    "median_followup",
    "mi_coxph",
    "pool",
    "registry",
    "report",
    "rmst_test",
    "studies",
]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f".{name}", __name__)
    elif name in _LAZY:
        module = getattr(importlib.import_module(_LAZY[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = module  # later lookups skip this function
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
