"""Residuals of a Cox model and the robust (sandwich) variance built from them.

Definitions follow Therneau & Grambsch (2000, ch. 4) and R ``residuals.coxph``:

* martingale :math:`M_i = \\delta_i - e^{\\eta_i} \\hat\\Lambda_0(\\text{interval}_i)`;
* deviance :math:`\\operatorname{sign}(M_i)\\sqrt{-2\\{M_i + \\delta_i \\log(\\delta_i - M_i)\\}}`;
* score :math:`L_i = \\int (x_i - \\bar x(t))\\, dM_i(t)`, with Efron's split of
  tied events (each tied event takes ``1/m`` of every denominator step);
* Schoenfeld :math:`x_i - \\bar x(t_i)` per event, scaled ones
  :math:`\\hat\\beta + d\\, V r_i` (Grambsch & Therneau 1994);
* dfbeta :math:`L_i V`, and the robust variance
  :math:`\\sum_g (\\sum_{i \\in g} w_i L_i V)^T (\\sum_{i \\in g} w_i L_i V)`
  (Lin & Wei 1989), summed within clusters.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .kernels import CoxTerms, SortedCoxData, Ties, cox_terms

__all__ = [
    "deviance_residuals",
    "martingale_residuals",
    "robust_variance",
    "schoenfeld_residuals",
    "score_residuals",
]

FloatArray = npt.NDArray[np.float64]


def _terms(
    data: SortedCoxData, beta: FloatArray, ties: Ties, offset: FloatArray | None
) -> CoxTerms:
    return cox_terms(data, beta, offset=offset, ties=ties, information=False)


def _unsort(data: SortedCoxData, sorted_values: FloatArray) -> FloatArray:
    out = np.empty_like(sorted_values)
    out[data.order] = sorted_values
    return out


def martingale_residuals(
    data: SortedCoxData, beta: FloatArray, ties: Ties, offset: FloatArray | None = None
) -> FloatArray:
    """Observed minus expected events per row (input row order, unweighted as R)."""
    terms = _terms(data, beta, ties, offset)
    return _unsort(data, data.event - terms.risk * terms.row_hazard)


def deviance_residuals(
    data: SortedCoxData, beta: FloatArray, ties: Ties, offset: FloatArray | None = None
) -> FloatArray:
    """Martingale residuals symmetrised towards normality (Therneau et al. 1990)."""
    martingale = martingale_residuals(data, beta, ties, offset)
    event = _unsort(data, data.event.astype(np.float64))
    inner = martingale + np.where(
        event > 0, event * np.log(np.maximum(event - martingale, 1e-300)), 0
    )
    return np.asarray(np.sign(martingale) * np.sqrt(np.maximum(-2.0 * inner, 0.0)), np.float64)


def _event_group_mean(data: SortedCoxData, values: FloatArray) -> FloatArray:
    """Mean of per-event-row ``values`` over each tie group, returned per event row."""
    g = data.group_of_event
    return np.asarray(data.group_total(values)[g] / data.group_size[g][:, None], np.float64)


def score_residuals(
    data: SortedCoxData, beta: FloatArray, ties: Ties, offset: FloatArray | None = None
) -> FloatArray:
    """Per-row contributions to the score vector, shape (n, p), input row order."""
    terms = _terms(data, beta, ties, offset)
    x = data.covariates
    ev, g = data.event_rows, data.group_of_event
    frac = terms.event_fraction
    weighted_mean = terms.event_mean * terms.event_weight[:, None]
    row_b = data.per_row_from_groups(data.group_total(weighted_mean))
    row_b[ev] -= data.group_total(weighted_mean * frac[:, None])[g]
    resid = -terms.risk[:, None] * (x * terms.row_hazard[:, None] - row_b)
    resid[ev] += x[ev] - _event_group_mean(data, terms.event_mean)
    return _unsort(data, resid)


def schoenfeld_residuals(
    data: SortedCoxData, beta: FloatArray, ties: Ties, offset: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """Schoenfeld residuals of the event rows, ordered by (stratum, time).

    Returns
    -------
    residuals : ndarray, shape (n_event, p)
    times : ndarray, shape (n_event,)
    rows : ndarray of int
        Input row of each residual.
    """
    terms = _terms(data, beta, ties, offset)
    ev = data.event_rows
    resid = data.covariates[ev] - _event_group_mean(data, terms.event_mean)
    return resid, data.stop[ev], data.order[ev]


def robust_variance(
    score: FloatArray,
    variance: FloatArray,
    weights: FloatArray,
    cluster: npt.NDArray[np.intp] | None,
) -> FloatArray:
    """Sandwich variance from score residuals (input order), summed within clusters."""
    dfbeta = (score * weights[:, None]) @ variance
    if cluster is not None:
        n_cluster = int(cluster.max()) + 1 if cluster.size else 0
        summed = np.zeros((n_cluster, dfbeta.shape[1]))
        np.add.at(summed, cluster, dfbeta)
        dfbeta = summed
    return np.asarray(dfbeta.T @ dfbeta, np.float64)
