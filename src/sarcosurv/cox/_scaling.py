"""Internal rescaling of covariates and case weights around a Cox or frailty fit.

A covariate in cents (x 1e8) or in millions (x 1e-8), or case weights of
1e308 or 1e-320, make the information matrix so badly scaled that a
pseudo-inverse truncates, sums overflow or variances underflow. The fitters
therefore work on

.. math:: \\tilde x_{ij} = x_{ij} / s_j, \\qquad \\tilde w_i = w_i / c,

with :math:`s_j` and :math:`c` powers of two (so that the division is exact),
and map back: :math:`\\beta_j = \\tilde\\beta_j / s_j`,
:math:`V = S^{-1} \\tilde V S^{-1} / c`, the log-likelihood, scores and
information times :math:`c`. The sandwich variance does not depend on
:math:`c` (R ``coxph`` gives the same coefficients for weights :math:`c w`,
model-based standard errors divided by :math:`\\sqrt{c}` and the same robust
ones).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ..counting.linalg import power_of_two_scale
from .kernels import NewtonResult, SortedCoxData

FloatArray = npt.NDArray[np.float64]

__all__ = ["Scaling", "scale_data", "unscale_newton"]


@dataclass(frozen=True)
class Scaling:
    """Column scales :math:`s_j` and the weight scale :math:`c` of one fit."""

    columns: FloatArray
    weight: float
    event_weight: float = 0.0  # sum of the scaled event weights

    @property
    def outer(self) -> FloatArray:
        return np.asarray(np.outer(self.columns, self.columns), np.float64)

    def variance(self, scaled: FloatArray, weighted: bool = True) -> FloatArray:
        """:math:`S^{-1} \\tilde V S^{-1}`, divided by :math:`c` when ``weighted``."""
        with np.errstate(over="ignore"):  # a variance beyond the float range is inf
            out = scaled / self.outer
            return np.asarray(out / self.weight if weighted else out, np.float64)


def scale_data(data: SortedCoxData, weights: bool = True) -> tuple[SortedCoxData, Scaling]:
    """Divide each centred covariate by a power of two near its largest absolute value.

    With ``weights``, also divide the case weights by a power of two near
    their largest value. Columns and weights already of order 1 (largest
    absolute value within ``[1/SCALE_LIMIT, SCALE_LIMIT]``) are left unchanged.
    """
    x = data.covariates
    largest = np.max(np.abs(x), axis=0) if x.shape[0] else np.ones(x.shape[1])
    columns = power_of_two_scale(np.asarray(largest, np.float64))
    weight = 1.0
    if weights and data.n:
        weight = float(power_of_two_scale(np.array([np.max(data.weights)]))[0])
    if np.all(columns == 1.0) and weight == 1.0:
        return data, Scaling(columns, weight)
    scaled = replace(
        data,
        covariates=x / columns,
        centre=data.centre / columns,
        event_x=data.event_x / columns / weight,
        weights=data.weights / weight,
        event_mean_weight=data.event_mean_weight / weight,
    )
    event_weight = float(np.sum(scaled.weights[scaled.event_rows]))
    return scaled, Scaling(columns, weight, event_weight)


def unscale_newton(newton: NewtonResult, scaling: Scaling) -> NewtonResult:
    """Newton's results on the original covariate and weight scales.

    Score and information are proportional to the weights; the
    log-likelihood is :math:`c\\,(\\tilde\\ell - E \\log c)` with :math:`E` the
    scaled weight of the events (every risk-set sum carries a factor :math:`c`).
    """
    s, c = scaling.columns, scaling.weight
    shift = scaling.event_weight * np.log(c) if c != 1.0 else 0.0
    with np.errstate(over="ignore"):
        loglik, loglik_init = c * (newton.loglik - shift), c * (newton.loglik_init - shift)
    return replace(
        newton,
        beta=newton.beta / s,
        loglik=float(loglik),
        loglik_init=float(loglik_init),
        information=newton.information * scaling.outer * c,
        information_init=newton.information_init * scaling.outer * c,
        score=newton.score * s * c,
        score_init=newton.score_init * s * c,
    )
