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
from scipy import special

from .._km_core import kaplan_meier_curve
from ..counting.linalg import blocked_gram, solve_or_pinv, tie_weights
from ..errors import EmptyDataError
from .kernels import SortedCoxData, Ties, cox_terms

__all__ = ["event_time_transform", "zph_table"]

FloatArray = npt.NDArray[np.float64]


def _km_left(data: SortedCoxData) -> FloatArray:
    """Pooled Kaplan–Meier ``S(t-)`` at each event row (strata ignored, unweighted, as R).

    R's ``cox.zph`` takes the curve from ``survfitKM``; here from the same
    Kaplan–Meier kernel as :func:`sarcosurv.kaplan_meier`, on the counts at
    the distinct event times.
    """
    event_times = data.stop[data.event_rows]
    times = np.unique(event_times)
    n_risk = data.n - np.searchsorted(np.sort(data.stop), times, side="left")
    if data.counting:
        n_risk = n_risk - (data.n - np.searchsorted(np.sort(data.start), times, side="left"))
    at = np.searchsorted(times, event_times)
    n_event = np.bincount(at, minlength=times.shape[0]).astype(np.float64)
    survival, _ = kaplan_meier_curve(n_risk.astype(np.float64), n_event)
    left = np.concatenate([[1.0], survival[:-1]])
    return np.asarray(left[at], np.float64)


def event_time_transform(data: SortedCoxData, transform: str) -> FloatArray:
    """``g(t)`` at each event row, not centred (R ``cox.zph(fit)$x``)."""
    times = data.stop[data.event_rows]
    if np.unique(times).size < 2:
        raise EmptyDataError(
            f"the proportional-hazards test needs events at two or more distinct times; the "
            f"{times.size} event(s) used all happened at time {times[0] if times.size else 'none'}"
        )
    if transform == "identity":
        g = times
    elif transform == "rank":
        # R ranks the exit times of all rows, then keeps those of the events.
        from scipy.stats import rankdata  # scipy.stats is slow to import: only here

        g = rankdata(data.stop)[data.event_rows]
    else:
        g = 1.0 - _km_left(data)
    return np.asarray(g, np.float64)


def _transform(data: SortedCoxData, transform: str) -> FloatArray:
    """The centred transform of the event times, divided by powers of two near its range.

    The test is invariant to the scale of ``g``; dividing (exactly, by powers of
    two) keeps ``g`` and ``g^2`` clear of overflow (times x 1e300) and underflow
    (times x 1e-300), so that the result does not depend on the time unit.
    """
    g = event_time_transform(data, transform)
    g = g / np.exp2(np.round(np.log2(np.max(np.abs(g)))))
    centred = g - g.mean()
    return np.asarray(centred / np.exp2(np.round(np.log2(np.max(np.abs(centred))))), np.float64)


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
    c = data.per_row_from_groups(data.group_total(per_event * f))
    c[data.event_rows] -= data.group_total(per_event * frac * f)[data.group_of_event]
    return blocked_gram(data.covariates, wr * c) - blocked_gram(a, weight_e * f)


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
    # Per event row: the Efron mean weight and j / m_k, or its own weight and 0 (Breslow).
    weight_e, frac = tie_weights(
        data.group_of_event, data.position_in_group, data.weights[ev], ties
    )
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
        statistic = float(u[keep] @ solve_or_pinv(sub, u[keep]))
        rows.append(
            {
                "term": name,
                "statistic": statistic,
                "df": len(cols),
                "p_value": float(special.chdtrc(len(cols), statistic)),
            }
        )
    return pd.DataFrame(rows).set_index("term")
