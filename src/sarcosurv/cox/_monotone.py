"""R's test for a Cox coefficient heading to infinity (monotone likelihood).

Shared by the Cox fit (a warning per term) and the frailty fit (a warning,
and the steps in beta stop once the log-likelihood is flat).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..counting.linalg import inverse_or_pinv
from .kernels import NewtonResult

__all__ = ["diverging_terms"]


def diverging_terms(newton: NewtonResult, eps: float) -> npt.NDArray[np.bool_]:
    """R's rule for coefficients heading to infinity (monotone likelihood).

    The next Newton step stays large, ``|I^{-1} U| > sqrt(eps)`` and
    ``> sqrt(eps) |beta|``; a term whose information or step is no longer
    finite (the risk weights overflowed on the way out) counts too.
    """
    if newton.beta.size == 0:
        return np.zeros(0, dtype=bool)
    information = np.asarray(newton.information, np.float64)
    finite = np.isfinite(information).all(axis=1) & np.isfinite(newton.score)
    with np.errstate(invalid="ignore", over="ignore"):
        safe = np.where(np.isfinite(information), information, 0.0)
        step = np.abs(inverse_or_pinv(safe) @ np.where(finite, newton.score, 0.0))
    tolerance = np.sqrt(eps)
    infinite = (step > tolerance) & (step > tolerance * np.abs(newton.beta))
    return np.asarray(infinite | ~np.isfinite(newton.beta) | ~finite, dtype=bool)
