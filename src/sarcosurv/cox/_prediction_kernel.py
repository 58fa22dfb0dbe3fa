"""Survival curves of new covariate values from a fitted Cox model: pure numpy kernels.

The baseline cumulative hazard (Breslow, or Efron's tie correction as R's
``survfit.coxph`` with ``ctype = 2``) is accumulated per stratum together with
its two variance pieces (Tsiatis 1981; Therneau & Grambsch 2000, sec. 10.2):

.. math::

    \\hat\\Lambda_0(t) = \\sum_{t_k \\le t} \\frac{1}{m_k}\\sum_{j=0}^{m_k-1}
        \\frac{\\bar d_k}{S_0(t_k) - \\tfrac{j}{m_k} D_0(t_k)},\\qquad
    v(t) = \\sum_{t_k \\le t} \\frac{1}{m_k}\\sum_j
        \\frac{\\bar d_k}{(S_0 - \\tfrac{j}{m_k} D_0)^2},\\qquad
    a(t) = \\sum_{t_k \\le t} \\frac{1}{m_k}\\sum_j
        \\frac{\\bar d_k (S_1 - \\tfrac{j}{m_k} D_1)}{(S_0 - \\tfrac{j}{m_k} D_0)^2}

where :math:`\\bar d_k` is the weighted number of events at :math:`t_k`,
:math:`m_k` their count, :math:`S_0, S_1` the weighted sums of
:math:`r_i, r_i x_i` over the risk set and :math:`D_0, D_1` over the events
(Breslow: :math:`j = 0` only). For a new row :math:`z` with risk
:math:`r = e^{z\\beta}`,

.. math:: \\operatorname{Var}\\hat\\Lambda(t\\mid z) = r^2\\,[v(t) + d(t)^T V d(t)],
          \\qquad d(t) = \\hat\\Lambda_0(t) z - a(t),

with :math:`V` the variance of :math:`\\hat\\beta` — R ``survival``'s
``agsurv``/``coxsurv.fit``. Covariates are centred throughout; the formulas
are invariant to the centring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BaselinePaths", "baseline_paths", "curves_at"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BaselinePaths:
    """Per event time of each stratum: cumulative hazard and its variance pieces."""

    stratum: IntArray  # (k,) stratum of each event time, ascending with time inside
    time: FloatArray  # (k,)
    cumulative_hazard: FloatArray  # (k,) at centred covariates = 0
    variance_hazard: FloatArray  # (k,) v(t)
    cumulative_xbar: FloatArray  # (k, p) a(t)
    last_time: FloatArray  # (n_strata,) last observed time of each stratum


def _at_risk_sums(
    stop_key: IntArray, start_key: IntArray, values: FloatArray, group_key: IntArray, end: IntArray
) -> FloatArray:
    """Sum of ``values`` over rows with start < t <= stop in the group's stratum (by keys)."""
    sums = np.zeros((group_key.shape[0], values.shape[1]))
    for key, sign in ((stop_key, 1.0), (start_key, -1.0)):
        order = np.argsort(key, kind="stable")
        cumulative = np.vstack([np.zeros(values.shape[1]), np.cumsum(values[order], axis=0)])
        lo = np.searchsorted(key[order], group_key, side="left")
        hi = np.searchsorted(key[order], end, side="left")
        sums += sign * (cumulative[hi] - cumulative[lo])
    return sums


def _time_keys(
    stop: FloatArray, start: FloatArray, stratum: IntArray
) -> tuple[FloatArray, IntArray, IntArray, np.int64]:
    """Exact integer keys ``stratum * width + rank of time`` (rank 0 for no entry time)."""
    finite_start = start[np.isfinite(start)]
    times = np.unique(np.concatenate([stop, finite_start]))
    width = np.int64(times.shape[0] + 2)
    stop_rank = np.searchsorted(times, stop).astype(np.int64) + 1
    start_rank = np.where(np.isfinite(start), np.searchsorted(times, start) + 1, 0)
    base = stratum.astype(np.int64) * width
    return times, base + stop_rank, base + start_rank.astype(np.int64), width


def _cumulate_by_stratum(values: FloatArray, stratum: IntArray) -> FloatArray:
    total = np.cumsum(values, axis=0)
    first = np.searchsorted(stratum, stratum, side="left")
    before = np.concatenate([np.zeros((1, *values.shape[1:])), total])[first]
    return np.asarray(total - before, np.float64)


def baseline_paths(
    stop: FloatArray,
    start: FloatArray,
    event: npt.NDArray[np.bool_],
    weights: FloatArray,
    covariates: FloatArray,
    stratum: IntArray,
    beta: FloatArray,
    efron: bool,
) -> BaselinePaths:
    """Baseline cumulative hazard, ``v(t)`` and ``a(t)`` (see the module docstring).

    ``start`` is ``-inf`` for right-censored rows; ``covariates`` are centred.
    """
    n, p = covariates.shape
    risk = weights * np.exp(covariates @ beta) if p else weights.copy()
    times, stop_key, start_key, width = _time_keys(stop, start, stratum)
    group_key, group = np.unique(stop_key[event], return_inverse=True)
    group_stratum = group_key // width
    end = (group_stratum + 1) * width
    values = np.column_stack([risk, risk[:, None] * covariates])
    at_risk = _at_risk_sums(stop_key, start_key, values, group_key, end)
    n_groups = group_key.shape[0]
    ev_values = values[event]
    dying = np.zeros((n_groups, p + 1))
    np.add.at(dying, group, ev_values)
    count = np.bincount(group, minlength=n_groups).astype(np.float64)
    n_event = np.bincount(group, weights=weights[event], minlength=n_groups)
    # Position j / m_k of each event row within its tie group (Efron), 0 for Breslow.
    order = np.argsort(group, kind="stable")
    rank = np.empty(group.shape[0])
    rank[order] = np.arange(group.shape[0]) - np.searchsorted(group[order], group[order])
    fraction = rank / count[group] if efron else np.zeros(group.shape[0])
    denominator = at_risk[group, 0] - fraction * dying[group, 0]
    share = (n_event / count)[group] if efron else np.where(rank == 0, n_event[group], 0.0)
    numerator_x = at_risk[group, 1:] - fraction[:, None] * dying[group, 1:]
    hazard = np.asarray(np.bincount(group, share / denominator, n_groups), np.float64)
    variance = np.asarray(np.bincount(group, share / denominator**2, n_groups), np.float64)
    xbar = np.zeros((n_groups, p))
    np.add.at(xbar, group, (share / denominator**2)[:, None] * numerator_x)
    n_strata = int(stratum.max()) + 1 if n else 0
    last = np.full(n_strata, -np.inf)
    np.maximum.at(last, stratum, stop)
    return BaselinePaths(
        stratum=group_stratum,
        time=times[group_key % width - 1],
        cumulative_hazard=_cumulate_by_stratum(hazard, group_stratum),
        variance_hazard=_cumulate_by_stratum(variance, group_stratum),
        cumulative_xbar=_cumulate_by_stratum(xbar, group_stratum),
        last_time=last,
    )


def curves_at(
    paths: BaselinePaths,
    covariates: FloatArray,
    stratum: IntArray,
    times: FloatArray,
    beta: FloatArray,
    vcov: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Cumulative hazard and its standard error for every (new row, time), row-major.

    ``covariates`` are the new rows, centred as in the fit. Times before the
    first event give 0 and 0; after the last event the values stay at their
    last level (R ``summary(survfit, times, extend=TRUE)``).
    """
    m, k = covariates.shape[0], times.shape[0]
    row_stratum = np.repeat(stratum.astype(np.int64), k)
    at = np.tile(times, m)
    # Last event time <= t in the row's stratum, by one search on exact (stratum, rank) keys;
    # the paths are sorted by stratum, then time.
    ranks = np.unique(np.concatenate([paths.time, at]), return_inverse=True)[1].astype(np.int64)
    width = np.int64(ranks.max(initial=0) + 2)
    path_key = paths.stratum * width + ranks[: paths.time.shape[0]]
    found = np.searchsorted(path_key, row_stratum * width + ranks[paths.time.shape[0] :], "right")
    index = np.maximum(found - 1, 0)
    has = (found > 0) & (paths.stratum[index] == row_stratum) if paths.time.size else found > 0
    p = covariates.shape[1]
    if paths.time.size:
        cumhaz = np.where(has, paths.cumulative_hazard[index], 0.0)
        varhaz = np.where(has, paths.variance_hazard[index], 0.0)
        xbar = np.where(has[:, None], paths.cumulative_xbar[index], 0.0)
    else:
        cumhaz, varhaz, xbar = np.zeros(m * k), np.zeros(m * k), np.zeros((m * k, p))
    z = np.repeat(covariates, k, axis=0)
    risk = np.exp(z @ beta) if p else np.ones(m * k)
    d = cumhaz[:, None] * z - xbar
    quadratic = np.einsum("ij,jk,ik->i", d, vcov, d) if p else np.zeros(m * k)
    variance = (varhaz + quadratic) * risk**2
    return cumhaz * risk, np.sqrt(np.maximum(variance, 0.0))
