"""Multiple imputation of missing covariates: chained equations and Rubin's rules.

``impute`` (MICE with the survival outcome in the imputation models, White &
Royston 2009), ``pool`` (Rubin's rules with Barnard–Rubin degrees of freedom and
the D1 test, as R ``mice::pool`` / ``mice::D1``) and ``mi_coxph`` (both in one call).
"""

from __future__ import annotations

from .chained import ImputationResult, impute, nelson_aalen_at_own_time
from .mi_cox import mi_coxph
from .pool import D1Result, PooledFrailty, PooledResult, pool

__all__ = [
    "D1Result",
    "ImputationResult",
    "PooledFrailty",
    "PooledResult",
    "impute",
    "mi_coxph",
    "nelson_aalen_at_own_time",
    "pool",
]
