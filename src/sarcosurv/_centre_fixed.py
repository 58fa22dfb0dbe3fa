"""A compact Cox partial-likelihood fit for the fixed-centre-effects test.

Pure numpy, right-censored data, strata, Breslow or Efron ties. Built for
design matrices with many dummy columns (one per centre): the information
matrix is two Gram products per iteration,

.. math:: I(\\beta) = X' \\mathrm{diag}(w_j c_j) X - X_D' \\mathrm{diag}(w_j b_j) X_D
          - E' E,

with ``c_j`` the (Efron) cumulative hazard at row ``j``'s exit, ``X_D`` the
event rows with their Efron offsets ``b_j``, and ``E`` one row
``S1_kr / S0_kr`` per event (``r``-th of its tie group ``k``), so the cost is
O(n q^2) rather than O(event times x q^2) (Therneau & Grambsch 2000, ch. 3).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["SortedSurvival", "fit_loglik", "independent_columns"]


@dataclass(frozen=True)
class SortedSurvival:
    """Rows sorted by stratum and decreasing exit time, with the tie groups."""

    order: IntArray
    event: npt.NDArray[np.bool_]
    group: IntArray  # tie group of each sorted row (events only meaningful)
    group_last_row: IntArray  # last sorted row at risk at each tie group's time
    event_group: IntArray  # tie group of each event, in sorted order
    event_offset: FloatArray  # r / m for the r-th event of a group of m
    group_stratum: IntArray  # stratum code of each tie group
    efron: bool

    @classmethod
    def build(
        cls, stop: FloatArray, event: npt.NDArray[np.bool_], stratum: IntArray, efron: bool
    ) -> SortedSurvival:
        order = np.lexsort((-stop, stratum)).astype(np.intp)
        s_stop, s_event, s_stratum = stop[order], event[order], stratum[order]
        new_group = np.ones(stop.size, dtype=bool)
        new_group[1:] = (s_stop[1:] != s_stop[:-1]) | (s_stratum[1:] != s_stratum[:-1])
        group = np.cumsum(new_group) - 1
        last = np.flatnonzero(np.append(new_group[1:], True))  # last row of each group
        event_group = group[s_event]
        sizes = np.bincount(event_group, minlength=last.size)
        first_event = np.cumsum(sizes) - sizes
        rank = np.arange(event_group.size) - first_event[event_group]
        offset = rank / sizes[event_group] if efron else np.zeros(event_group.size)
        return cls(order, s_event, group, last, event_group, offset, s_stratum[last], efron)


def _risk_sums(
    sorted_data: SortedSurvival, x: FloatArray, stratum_start: IntArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """S0, S1 at each event, Efron-adjusted (``S - r/m D`` over the tie group's events).

    Sums run within each stratum from its latest time (no differences of
    large cumulative sums, which would lose the small late risk sets).
    """
    wx = w[:, None] * x
    cum0, cum1 = np.empty_like(w), np.empty_like(wx)
    for lo, hi in itertools.pairwise(stratum_start):
        cum0[lo:hi] = np.cumsum(w[lo:hi])
        cum1[lo:hi] = np.cumsum(wx[lo:hi], axis=0)
    g = sorted_data.event_group
    rows = sorted_data.group_last_row[g]
    ev = sorted_data.event
    starts = np.flatnonzero(np.diff(g, prepend=-1))
    which = np.cumsum(np.diff(g, prepend=-1) != 0) - 1
    d0 = np.add.reduceat(w[ev], starts)[which]
    d1 = np.add.reduceat(wx[ev], starts, axis=0)[which]
    off = sorted_data.event_offset
    return cum0[rows] - off * d0, cum1[rows] - off[:, None] * d1


def _derivatives(
    sorted_data: SortedSurvival, x: FloatArray, stratum_start: IntArray, beta: FloatArray
) -> tuple[float, FloatArray, FloatArray]:
    """Log partial likelihood, score and information at ``beta`` (x sorted)."""
    eta = x @ beta
    # Shift eta within each stratum (the likelihood does not change) so exp()
    # neither overflows nor underflows to an empty risk set.
    shift = np.maximum.reduceat(eta, stratum_start[:-1])
    eta = eta - np.repeat(shift, np.diff(stratum_start))
    w = np.exp(eta)
    s0, s1 = _risk_sums(sorted_data, x, stratum_start, w)
    ev = sorted_data.event
    loglik = float(np.sum(eta[ev]) - np.sum(np.log(s0)))
    mean = s1 / s0[:, None]
    score = x[ev].sum(axis=0) - mean.sum(axis=0)
    # c_j: summed 1 / S0 over events at or before row j's exit, in its stratum.
    inv = np.bincount(
        sorted_data.event_group, weights=1.0 / s0, minlength=sorted_data.group_last_row.size
    )
    offset_inv = np.bincount(
        sorted_data.event_group,
        weights=sorted_data.event_offset / s0,
        minlength=sorted_data.group_last_row.size,
    )
    c = _cumulative_in_stratum(inv.astype(np.float64), sorted_data)[sorted_data.group]
    x_event = x[ev]
    b = offset_inv[sorted_data.event_group]
    info = (
        (x * (w * c)[:, None]).T @ x - (x_event * (w[ev] * b)[:, None]).T @ x_event - mean.T @ mean
    )
    return loglik, score, info


def _cumulative_in_stratum(per_group: FloatArray, sorted_data: SortedSurvival) -> FloatArray:
    """For each tie group, the sum over this and later-listed groups of its stratum.

    Rows are sorted by decreasing time, so "later-listed" groups are the
    earlier times: the sum is the cumulative hazard at the group's time.
    """
    strata = sorted_data.group_stratum
    bounds = np.append(np.flatnonzero(np.diff(strata, prepend=-1)), strata.size)
    out = np.empty_like(per_group)
    for lo, hi in itertools.pairwise(bounds):
        out[lo:hi] = np.cumsum(per_group[lo:hi][::-1])[::-1]
    return out


def fit_loglik(
    x: FloatArray,
    stop: FloatArray,
    event: npt.NDArray[np.bool_],
    stratum: IntArray,
    efron: bool,
    beta: FloatArray | None = None,
    max_iter: int = 50,
    eps: float = 1e-9,
) -> tuple[float, FloatArray, int]:
    """Maximised log partial likelihood by Newton-Raphson with step halving.

    Converged when the relative change of the log-likelihood is below ``eps``
    (R ``coxph``'s rule). Returns (loglik, beta, iterations).
    """
    sorted_data = SortedSurvival.build(stop, event, stratum, efron)
    xs = x[sorted_data.order]
    s_stratum = stratum[sorted_data.order]
    stratum_start = np.append(np.flatnonzero(np.diff(s_stratum, prepend=-1)), s_stratum.size)
    beta = np.zeros(x.shape[1]) if beta is None else beta.astype(np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _newton(sorted_data, xs, stratum_start, beta, max_iter, eps)


def _newton(
    sorted_data: SortedSurvival,
    xs: FloatArray,
    stratum_start: IntArray,
    beta: FloatArray,
    max_iter: int,
    eps: float,
) -> tuple[float, FloatArray, int]:
    loglik, score, info = _derivatives(sorted_data, xs, stratum_start, beta)
    for iteration in range(1, max_iter + 1):
        step = np.linalg.lstsq(info, score, rcond=None)[0]
        # A diverging dummy (monotone likelihood) makes the information nearly
        # singular: cap the change of any linear predictor at 10 per iteration.
        largest = float(np.max(np.abs(xs @ step), initial=0.0))
        if largest > 10.0:
            step = step * (10.0 / largest)
        for _ in range(30):
            new_loglik, new_score, new_info = _derivatives(
                sorted_data, xs, stratum_start, beta + step
            )
            if np.isfinite(new_loglik) and new_loglik >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        else:
            return loglik, beta, iteration  # no ascent left along Newton's direction
        beta = beta + step
        done = abs(new_loglik - loglik) <= eps * abs(new_loglik)
        loglik, score, info = new_loglik, new_score, new_info
        if done:
            return loglik, beta, iteration
    return loglik, beta, max_iter


def independent_columns(x: FloatArray, stratum: IntArray, tol: float = 1e-7) -> IntArray:
    """Columns of ``x`` not aliased with earlier ones or with the strata.

    Columns are centred within strata (a stratified baseline absorbs anything
    constant within a stratum), then Gram-Schmidt keeps, in order, each
    column with a residual norm above ``tol`` (relative to its own norm).
    """
    if x.shape[1] == 0:
        return np.zeros(0, dtype=np.intp)
    centred = x.copy()
    for h in np.unique(stratum):
        rows = stratum == h
        centred[rows] -= centred[rows].mean(axis=0)
    scale = np.sqrt((centred**2).sum(axis=0))
    keep: list[int] = []
    basis = np.zeros((x.shape[0], 0))
    for k in np.flatnonzero(scale > 0):
        column = centred[:, k] / scale[k]
        if basis.shape[1]:
            column = column - basis @ (basis.T @ column)
        norm = float(np.sqrt(column @ column))
        if norm > tol:
            keep.append(int(k))
            basis = np.column_stack([basis, column / norm])
    return np.asarray(keep, dtype=np.intp)
