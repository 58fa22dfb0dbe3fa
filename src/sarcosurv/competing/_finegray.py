"""Numerical kernel of the Fine–Gray subdistribution hazards model.

Pure numpy on rows sorted by time (ascending). For the distinct times ``t_k``
of the cause of interest, the risk set holds every row still under
observation (``T_j >= t_k``) with weight 1, and every row that failed from a
competing cause earlier with the inverse-probability-of-censoring weight
``G(t_k-) / G(T_j-)`` (Fine & Gray 1999), ``G`` the Kaplan–Meier estimate of
the censoring distribution. Both parts of every risk-set sum are cumulative
sums over the sorted rows, so one evaluation costs ``O(n p^2)`` with no loop
over risk sets. Ties are handled as in ``cmprsk::crr`` (Breslow).

The variance is Fine & Gray's sandwich ``I^{-1} (sum_i (eta_i + psi_i)
(eta_i + psi_i)') I^{-1}``, where ``eta_i`` is row ``i``'s score residual and
``psi_i`` the correction for estimating ``G`` (Fine & Gray 1999, section 4),
in the form computed by ``crr``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "FineGrayData",
    "FineGrayTerms",
    "censoring_before",
    "censoring_correction",
    "finegray_terms",
    "prepare_rows",
    "score_residuals",
]


@dataclass(frozen=True)
class FineGrayData:
    """Rows sorted by time with the structure of the cause-of-interest event times.

    ``first_at[k]`` is the first sorted row with ``T >= t_k``; ``g_event[k]``
    is ``G(t_k-)``; ``d[k]`` the number of events of interest at ``t_k``.
    """

    time: FloatArray
    target: BoolArray
    competing: BoolArray
    censored: BoolArray
    x: FloatArray  # centred covariates, sorted
    centre: FloatArray  # the column means removed from x
    g_row: FloatArray  # G(T_i-) per sorted row
    event_time: FloatArray
    first_at: IntArray
    d: FloatArray
    g_event: FloatArray
    row_k: IntArray  # number of event times <= T_i, per sorted row
    order: IntArray  # sorted position -> input row
    weight: FloatArray  # case weights, sorted rows (ones without weights)


def censoring_before(
    time: FloatArray,
    censored: BoolArray,
    at: FloatArray,
    *,
    events_first: bool = False,
    weights: FloatArray | None = None,
) -> FloatArray:
    """Kaplan–Meier estimate of the censoring distribution just before each of ``at``.

    ``G(t-) = prod_{u < t} (1 - c_u / Y_u)`` over the distinct censoring times
    ``u``, with ``c_u`` censorings among the ``Y_u`` rows with ``T >= u``
    (both summed over case ``weights``): events at ``u`` count as still at
    risk of censoring, as in ``cmprsk::crr``; with ``events_first`` they do
    not (events precede censorings at tied times, as in ``survival::finegray``).
    """
    w = np.ones(time.size) if weights is None else weights
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    after = np.append(np.cumsum(w[order][::-1])[::-1], 0.0)  # weight with T >= sorted_time[i]
    cens_times, inverse = np.unique(time[censored], return_inverse=True)
    c_u = np.bincount(inverse.ravel(), weights=w[censored], minlength=cens_times.size)
    at_risk = after[np.searchsorted(sorted_time, cens_times, side="left")]
    if events_first:
        failed = ~censored[order]
        failures = np.append(np.cumsum(np.where(failed, w[order], 0.0)), 0.0)
        lo = np.searchsorted(sorted_time, cens_times, side="left")
        hi = np.searchsorted(sorted_time, cens_times, side="right")
        at_risk = at_risk - (failures[hi - 1] - np.where(lo > 0, failures[lo - 1], 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - c_u / at_risk, 1.0)
    survival = np.concatenate(([1.0], np.cumprod(factor)))
    out: FloatArray = survival[np.searchsorted(cens_times, at, side="left")]
    return out


def prepare_rows(
    time: FloatArray,
    code: IntArray,
    cause: int,
    x: FloatArray,
    *,
    events_first: bool = False,
    weights: FloatArray | None = None,
) -> FineGrayData:
    """Sort the rows and index the event times of ``cause`` (codes: 0 censored).

    ``events_first`` selects the censoring-distribution convention (see
    :func:`censoring_before`); ``weights`` are case weights (a weight of 2
    is a duplicated row, in ``G`` as in the likelihood).
    """
    order = np.argsort(time, kind="stable")
    t = time[order]
    c = code[order]
    w = np.ones(t.size) if weights is None else np.asarray(weights, np.float64)[order]
    target = c == cause
    censored = c == 0
    event_time, inverse = np.unique(t[target], return_inverse=True)
    d = np.bincount(inverse.ravel(), weights=w[target], minlength=event_time.size)
    xs = x[order]
    return FineGrayData(
        time=t,
        target=target,
        competing=~target & ~censored,
        censored=censored,
        x=xs - xs.mean(axis=0),
        centre=xs.mean(axis=0),
        # G(T_i-) > 0 for every row of positive weight; 1 keeps zero-weight rows finite.
        g_row=np.maximum(
            censoring_before(t, censored, t, events_first=events_first, weights=w),
            np.where(w > 0, 0.0, 1.0),
        ),
        event_time=event_time,
        first_at=np.searchsorted(t, event_time, side="left").astype(np.intp),
        d=d.astype(np.float64),
        g_event=censoring_before(t, censored, event_time, events_first=events_first, weights=w),
        row_k=np.searchsorted(event_time, t, side="right").astype(np.intp),
        order=order,
        weight=w,
    )


@dataclass(frozen=True)
class FineGrayTerms:
    """Log-likelihood, score, information and the per-time sums at one ``beta``."""

    loglik: float
    score: FloatArray
    information: FloatArray
    risk: FloatArray  # exp(eta), shifted, sorted rows
    s0: FloatArray  # per event time (shifted scale)
    mean: FloatArray  # x-bar per event time (centred scale), (K, p)


def _reverse_cumsum(values: FloatArray) -> FloatArray:
    out: FloatArray = np.cumsum(values[::-1], axis=0)[::-1]
    return out


def _risk_sums(data: FineGrayData, weight: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``sum_j w_j(t_k) weight_j`` for every event time; ``weight`` is (n,) or (n, p)."""
    n = data.time.size
    shape = (1, *weight.shape[1:])
    after = np.concatenate([_reverse_cumsum(weight), np.zeros(shape)], axis=0)
    scaled = np.where(
        data.competing.reshape(-1, *([1] * (weight.ndim - 1))),
        weight / data.g_row.reshape(-1, *([1] * (weight.ndim - 1))),
        0.0,
    )
    before = np.concatenate([np.zeros(shape), np.cumsum(scaled, axis=0)], axis=0)
    g = data.g_event.reshape(-1, *([1] * (weight.ndim - 1)))
    total = after[data.first_at] + g * before[data.first_at]
    return total, before[:n]


def finegray_terms(data: FineGrayData, beta: FloatArray) -> FineGrayTerms:
    """Evaluate the Fine–Gray partial likelihood (Breslow ties) at ``beta``.

    ``l(beta) = sum_k [sum_{i in D_k} eta_i - d_k log S0_k]`` with
    ``S0_k = sum_j w_j(t_k) exp(eta_j)``; the information uses
    ``sum_k d_k S2_k / S0_k = X' diag(r_j c_j) X`` with ``c_j`` the sum of
    ``d_k w_j(t_k) / S0_k`` over the event times (no ``K x p x p`` array).
    Case weights multiply each row's terms (``d_k`` is a weighted count).
    """
    x, w = data.x, data.weight
    eta = x @ beta
    shift = float(eta.max())
    r = np.exp(eta - shift)
    rw = r * w
    s0, _ = _risk_sums(data, rw)
    s1, _ = _risk_sums(data, rw[:, None] * x)
    mean = s1 / s0[:, None]
    loglik = float((w * eta)[data.target].sum() - np.sum(data.d * (np.log(s0) + shift)))
    score = (w[:, None] * x)[data.target].sum(axis=0) - data.d @ mean
    a = data.d / s0
    c = _row_weights(data, a)
    information = (x * (rw * c)[:, None]).T @ x - (mean * data.d[:, None]).T @ mean
    return FineGrayTerms(
        loglik=loglik,
        score=score,
        information=0.5 * (information + information.T),
        risk=r,
        s0=s0,
        mean=mean,
    )


def _row_weights(data: FineGrayData, a: FloatArray) -> FloatArray:
    """``sum_k a_k w_j(t_k)`` per row: its own risk period plus its weighted extension."""
    cum = np.concatenate(([0.0], np.cumsum(a)))
    later = _reverse_cumsum(np.append(a * data.g_event, 0.0))
    own = cum[data.row_k]
    extension = np.where(data.competing, later[data.row_k] / data.g_row, 0.0)
    out: FloatArray = own + extension
    return out


def score_residuals(data: FineGrayData, terms: FineGrayTerms) -> FloatArray:
    """``eta_i``: each row's contribution to the score, ``(n, p)`` in sorted order.

    ``eta_i = I(event_i)(x_i - xbar(T_i)) - sum_k (d_k / S0_k) w_i(t_k) r_i (x_i - xbar_k)``.
    """
    x, r = data.x, terms.risk
    a = data.d / terms.s0
    k = data.row_k
    cum_a = np.concatenate(([0.0], np.cumsum(a)))
    cum_b = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(a[:, None] * terms.mean, axis=0)])
    ag = _reverse_cumsum(np.append(a * data.g_event, 0.0))
    bg = np.concatenate(
        [_reverse_cumsum((a * data.g_event)[:, None] * terms.mean), np.zeros((1, x.shape[1]))]
    )
    own = r[:, None] * (x * cum_a[k][:, None] - cum_b[k])
    ext_scale = np.where(data.competing, r / data.g_row, 0.0)
    extension = ext_scale[:, None] * (x * ag[k][:, None] - bg[k])
    event_part = np.where(data.target[:, None], x - terms.mean[np.maximum(k - 1, 0)], 0.0)
    out: FloatArray = event_part - own - extension
    return out


def censoring_correction(data: FineGrayData, terms: FineGrayTerms) -> FloatArray:
    """``psi_i``: the effect of estimating ``G`` on row ``i``'s score, ``(n, p)`` sorted.

    ``psi_i = ∫ q(u) / Y(u) dM^c_i(u)`` with
    ``q(u) = sum_{t_k >= u} (d_k / S0_k) sum_{j: T_j < u, competing} w_j(t_k) r_j (x_j - xbar_k)``
    (Fine & Gray 1999; ``crr``'s ``crrvv``).
    """
    x, r = data.x, terms.risk
    a = data.d / terms.s0
    w = data.weight
    cens_times, inverse = np.unique(data.time[data.censored], return_inverse=True)
    if cens_times.size == 0:
        return np.zeros_like(x)
    c_u = np.bincount(inverse.ravel(), weights=w[data.censored], minlength=cens_times.size)
    after = np.append(_reverse_cumsum(w), 0.0)
    y_u = after[np.searchsorted(data.time, cens_times, side="left")]
    y_u = np.where(y_u > 0, y_u, 1.0)  # only zero-weight rows left: c_u = 0 there
    from_k = np.searchsorted(data.event_time, cens_times, side="left")  # first t_k >= u
    ag = _reverse_cumsum(np.append(a * data.g_event, 0.0))[from_k]
    bg = np.concatenate(
        [_reverse_cumsum((a * data.g_event)[:, None] * terms.mean), np.zeros((1, x.shape[1]))]
    )[from_k]
    weight = np.where(data.competing, r * w / data.g_row, 0.0)
    c0 = np.concatenate(([0.0], np.cumsum(weight)))
    c1 = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(weight[:, None] * x, axis=0)])
    before = np.searchsorted(data.time, cens_times, side="left")  # rows with T < u
    q = c1[before] * ag[:, None] - c0[before][:, None] * bg
    compensator = np.concatenate(
        [np.zeros((1, x.shape[1])), np.cumsum((c_u / y_u**2)[:, None] * q, axis=0)]
    )
    upto = np.searchsorted(cens_times, data.time, side="right")  # censoring times <= T_i
    own = np.searchsorted(cens_times, data.time, side="left")
    jump = np.where(
        data.censored[:, None],
        q[np.minimum(own, q.shape[0] - 1)] / y_u[np.minimum(own, q.shape[0] - 1), None],
        0.0,
    )
    out: FloatArray = jump - compensator[upto]
    return out
