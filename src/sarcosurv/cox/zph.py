"""Test of proportional hazards (Grambsch & Therneau 1994), as R ``cox.zph`` (survival 3).

For each term the score test of adding ``x * g(t)`` to the model at the fitted
``beta``, with ``g`` a transform of time centred over the events: the
Kaplan–Meier transform ``1 - S(t-)``, the rank of the event times, or time
itself. The score of the time-varying part and the information of the
augmented model reuse the risk-set sums of the fit:
``I_xz = X^T diag(w e^eta c^g) X - sum_e g_e wbar_e a_e a_e^T``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .kernels import SortedCoxData, Ties, cox_terms

__all__ = ["zph_table"]

FloatArray = npt.NDArray[np.float64]


def _km_left(data: SortedCoxData) -> FloatArray:
    """Pooled Kaplan–Meier ``S(t-)`` at each event row (strata ignored, unweighted, as R)."""
    times = np.unique(data.stop[data.event_rows])
    stop_sorted = np.sort(data.stop)
    n_risk = data.n - np.searchsorted(stop_sorted, times, side="left")
    if data.counting:
        start_sorted = np.sort(data.start)
        n_risk = n_risk - (data.n - np.searchsorted(start_sorted, times, side="left"))
    n_event = np.bincount(
        np.searchsorted(times, data.stop[data.event_rows]), minlength=times.shape[0]
    )
    survival = np.cumprod(1.0 - n_event / n_risk)
    left = np.concatenate([[1.0], survival[:-1]])
    return np.asarray(left[np.searchsorted(times, data.stop[data.event_rows])], np.float64)


def _transform(data: SortedCoxData, transform: str) -> FloatArray:
    times = data.stop[data.event_rows]
    if transform == "identity":
        g = times
    elif transform == "rank":
        # R ranks the exit times of all rows, then keeps those of the events.
        g = stats.rankdata(data.stop)[data.event_rows]
    else:
        g = 1.0 - _km_left(data)
    return np.asarray(g - g.mean(), np.float64)


def _weighted_information(
    data: SortedCoxData,
    wr: FloatArray,
    per_event: FloatArray,
    frac: FloatArray,
    a: FloatArray,
    weight_e: FloatArray,
    f: FloatArray,
) -> FloatArray:
    """Information block with each event time weighted by ``f`` (one value per event row)."""
    g = data.group_of_event
    n_groups = data.group_time.shape[0]
    increment = np.bincount(g, weights=per_event * f, minlength=n_groups)
    share = np.bincount(g, weights=per_event * frac * f, minlength=n_groups)
    cumulative = np.concatenate([[0.0], np.cumsum(increment)])
    c = cumulative[data.row_group_hi] - cumulative[data.row_group_lo]
    c[data.event_rows] -= share[g]
    x = data.covariates
    block = (x * (wr * c)[:, None]).T @ x - (a * (weight_e * f)[:, None]).T @ a
    return np.asarray(block, np.float64)


def zph_table(
    data: SortedCoxData,
    beta: FloatArray,
    ties: Ties,
    transform: str,
    terms: dict[str, list[int]],
) -> pd.DataFrame:
    """Per-term and GLOBAL chi-square statistics, degrees of freedom and p-values."""
    fitted = cox_terms(data, beta, ties=ties, information=False)
    ev = data.event_rows
    x = data.covariates
    frac = data.position_in_group if ties == "efron" else np.zeros(ev.shape[0])
    # Weights per event row: the Efron mean weight, or the row's own weight (Breslow).
    weight_e = _event_weights(data, ties)
    wr = data.weights * fitted.risk
    g = _transform(data, transform)
    ones = np.ones_like(g)
    blocks = [
        _weighted_information(data, wr, fitted.event_weight, frac, fitted.event_mean, weight_e, f)
        for f in (ones, g, g * g)
    ]
    p = x.shape[1]
    imat = np.block([[blocks[0], blocks[1]], [blocks[1].T, blocks[2]]])
    u_time = (
        g[:, None] * (data.weights[ev][:, None] * x[ev] - weight_e[:, None] * fitted.event_mean)
    ).sum(axis=0)
    u = np.concatenate([np.zeros(p), u_time])
    rows = []
    for name, cols in [*terms.items(), ("GLOBAL", list(range(p)))]:
        keep = list(range(p)) + [p + c for c in cols]
        sub = imat[np.ix_(keep, keep)]
        statistic = float(u[keep] @ np.linalg.solve(sub, u[keep]))
        rows.append(
            {
                "term": name,
                "statistic": statistic,
                "df": len(cols),
                "p_value": float(stats.chi2.sf(statistic, len(cols))),
            }
        )
    return pd.DataFrame(rows).set_index("term")


def _event_weights(data: SortedCoxData, ties: Ties) -> FloatArray:
    """Weight each event row carries: its tie group's mean weight (Efron) or its own (Breslow)."""
    ev = data.event_rows
    if ties == "breslow":
        return np.asarray(data.weights[ev], np.float64)
    sums = np.bincount(data.group_of_event, weights=data.weights[ev])
    return np.asarray(sums[data.group_of_event] / data.group_size[data.group_of_event], np.float64)
