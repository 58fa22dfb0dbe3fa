"""Numerical kernels of the Commenges–Andersen score test of a random centre effect.

Pure numpy on arrays of one row per patient (right-censored data). The public
entry point is :func:`sarcosurv.centre_effect_tests`.

Notation (Commenges & Andersen 1995, with strata as in ``frailtyEM::ca_test``):
rows ``j`` of centre ``i`` in stratum ``h`` with linear predictor ``eta_j``;
at an event time ``t`` of stratum ``h`` with ``d_h(t)`` events,
``S0_h(t) = sum_j Y_j(t) exp(eta_j)`` over the stratum, the centre's share
``p_ih(t) = R_ih(t) / S0_h(t)`` with ``R_ih(t)`` the centre's part of ``S0_h``,
and ``M_i(t-)`` the centre's summed martingale just before ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Per stratum: distinct event times, numbers of events, cumulative baseline hazard.
Hazards = list[tuple[FloatArray, FloatArray, FloatArray]]

__all__ = [
    "ScoreInputs",
    "centres_within_strata",
    "cumulative_hazard",
    "score_statistic",
    "score_variance_dense",
    "score_variance_fast",
]


@dataclass(frozen=True)
class ScoreInputs:
    """Arrays of the null Cox fit, one entry per used row (any order)."""

    stop: FloatArray
    event: npt.NDArray[np.bool_]
    risk: FloatArray  # exp(linear predictor)
    covariates: FloatArray  # (n, p)
    residuals: FloatArray  # martingale residuals of the fit
    centre: IntArray  # codes 0..K-1
    stratum: IntArray  # codes 0..G-1
    vcov: FloatArray  # (p, p) model-based variance of the coefficients
    efron: bool
    #: Optional hint: a permutation putting the rows in stop order (within
    #: strata), e.g. the Cox fit's; checked, and a full sort done when it fails.
    order: IntArray | None = None


def cumulative_hazard(
    stop: FloatArray, event: npt.NDArray[np.bool_], risk: FloatArray, efron: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Breslow or Efron baseline hazard of one stratum at its distinct event times.

    ``dLambda(t) = sum_{k<d} 1 / (S0(t) - k/d * D0(t))`` with Efron's ties
    (``D0``: summed risk of the ``d`` events at ``t``), ``d / S0(t)`` with
    Breslow's, as R ``survfit.coxph``.

    Returns
    -------
    times, n_event, cumulative : arrays over the distinct event times.
    """
    if np.all(stop[1:] >= stop[:-1]):  # already sorted (as score_test passes them)
        event_times = stop[event]
        new_time = np.concatenate([[True], event_times[1:] != event_times[:-1]])
        times = event_times[new_time]
        n_event = np.diff(np.append(np.flatnonzero(new_time), event_times.size))
        sorted_stop, sorted_risk = stop, risk
    else:
        times, n_event = np.unique(stop[event], return_counts=True)
        order = np.argsort(stop, kind="stable")
        sorted_stop, sorted_risk = stop[order], risk[order]
    at_risk_sum = np.concatenate([np.cumsum(sorted_risk[::-1])[::-1], [0.0]])
    s0 = at_risk_sum[np.searchsorted(sorted_stop, times, side="left")]
    if not efron:
        return times, n_event.astype(np.float64), np.cumsum(n_event / s0)
    tied_risk = np.bincount(
        np.searchsorted(times, stop[event]), weights=risk[event], minlength=times.size
    )
    group = np.repeat(np.arange(times.size), n_event)
    k = np.arange(group.size) - np.repeat(np.cumsum(n_event) - n_event, n_event)
    step = 1.0 / (s0[group] - k / n_event[group] * tied_risk[group])
    return times, n_event.astype(np.float64), np.cumsum(np.bincount(group, weights=step))


def _hazard_by_stratum(inputs: ScoreInputs) -> Hazards:
    return [
        cumulative_hazard(
            inputs.stop[inputs.stratum == h],
            inputs.event[inputs.stratum == h],
            inputs.risk[inputs.stratum == h],
            inputs.efron,
        )
        for h in range(int(inputs.stratum.max()) + 1)
    ]


def _left_limit(times: FloatArray, cumulative: FloatArray, at: FloatArray) -> FloatArray:
    """Lambda(t-) of a step function jumping at ``times``."""
    return np.concatenate([[0.0], cumulative])[np.searchsorted(times, at, side="left")]


def _at(times: FloatArray, cumulative: FloatArray, at: FloatArray) -> FloatArray:
    """Lambda(t) of a step function jumping at ``times``."""
    return np.concatenate([[0.0], cumulative])[np.searchsorted(times, at, side="right")]


def path_residuals(inputs: ScoreInputs, hazards: Hazards | None = None) -> FloatArray:
    """``delta_j - exp(eta_j) Lambda_h(T_j)``: each row's martingale at its exit."""
    out = np.empty(inputs.stop.size)
    hazards = _hazard_by_stratum(inputs) if hazards is None else hazards
    for h, (times, _, cumulative) in enumerate(hazards):
        rows = inputs.stratum == h
        out[rows] = inputs.event[rows] - inputs.risk[rows] * _at(
            times, cumulative, inputs.stop[rows]
        )
    return out


def score_statistic(inputs: ScoreInputs, third: float) -> float:
    """``T = sum_i M_i^2 - D + sum_h sum_t d_h(t) sum_i p_ih(t)^2`` (Commenges–Andersen).

    ``M_i`` sums the fit's martingale residuals over centre ``i``; ``third``
    is the last sum (over the event times ``t`` of each stratum), computed
    with the variance.
    """
    centre_sum = np.bincount(inputs.centre, weights=inputs.residuals)
    return float(np.sum(centre_sum**2) - np.sum(inputs.event) + third)


def _group_order(group: IntArray, n_groups: int) -> IntArray:
    """Stable permutation grouping the rows by ``group`` (radix sort on small codes)."""
    if n_groups <= np.iinfo(np.uint16).max:
        return np.argsort(group.astype(np.uint16), kind="stable")
    return np.argsort(group, kind="stable")


def _earlier_in_group(group: IntArray, n_groups: int, columns: FloatArray) -> FloatArray:
    """Per row, the sums of ``columns`` (shape (k, n)) over the earlier rows of its group."""
    perm = _group_order(group, n_groups)
    counts = np.bincount(group, minlength=n_groups)
    starts = (np.cumsum(counts) - counts)[counts > 0]
    counts = counts[counts > 0]
    out = np.empty_like(columns)
    for k in range(columns.shape[0]):  # one column at a time: cache-friendly gathers
        ordered = columns[k][perm]
        cumulative = np.cumsum(ordered)
        cumulative -= ordered
        cumulative -= np.repeat(cumulative[starts], counts)
        out[k][perm] = cumulative
    return out


def _running_sum(delta: FloatArray, exited: IntArray, out: FloatArray) -> None:
    """``out[k]``: sum of ``delta`` over its first ``exited[k]`` entries (cumulates in place)."""
    if delta.size == 0:
        out[:] = 0.0
        return
    np.cumsum(delta, out=delta)
    np.take(delta, exited - 1, out=out, mode="wrap")
    out[exited == 0] = 0.0


def _stop_ordered(
    inputs: ScoreInputs, rows: slice | npt.NDArray[np.bool_], path: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """One stratum's stop, risk, centre and rows ``(risk, path, x * risk)`` in stop order."""
    stop = inputs.stop[rows]
    order = slice(None) if np.all(stop[1:] >= stop[:-1]) else np.argsort(stop, kind="stable")
    risk = inputs.risk[rows][order]
    p = inputs.covariates.shape[1]
    columns = np.empty((2 + p, risk.size))
    columns[0], columns[1] = risk, path[rows][order]
    columns[2:] = inputs.covariates[rows][order].T
    columns[2:] *= risk
    return stop[order], risk, inputs.centre[rows][order], columns


def _stratum_aggregates(
    inputs: ScoreInputs, rows: slice | npt.NDArray[np.bool_], path: FloatArray, times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Aggregates over centres at each event time of one stratum (state just before ``t``).

    A centre's state ``(R_i, b_i, W_i)`` changes only when one of its rows
    exits: ``R`` and ``W`` lose the row's risk, ``b`` (summed exit martingales)
    gains its path residual. Aggregates are the initial sums plus the
    cumulated changes of the rows that left strictly before ``t``: rows
    ``R, R^2, R^3, R b, R b^2, R^2 b`` (scalar, shape (6, m)) and
    ``W, W b, W R`` (vector, shape (3p, m)) over the ``m`` event times.
    """
    stop, risk, centre, columns = _stop_ordered(inputs, rows, path)
    n_centres, p = int(inputs.centre.max()) + 1, columns.shape[0] - 2
    totals = np.stack([np.bincount(centre, weights=c, minlength=n_centres) for c in columns])
    earlier = _earlier_in_group(centre, n_centres, columns)
    b = earlier[1]  # state before each row's exit; R and W include the row
    r = totals[0][centre] - earlier[0]
    w = totals[2:][:, centre] - earlier[2:]
    r_after, b_after = r - risk, b + columns[1]
    exited = np.searchsorted(stop, times, side="left")
    r0, w0 = totals[0], totals[2:]
    r2, r2_after = r * r, r_after * r_after
    scalar = np.empty((6, times.size))
    changes = [
        (-risk, r0.sum()),
        (r2_after - r2, (r0**2).sum()),
        (r2_after * r_after - r2 * r, (r0**3).sum()),
        (r_after * b_after - r * b, 0.0),
        (r_after * b_after * b_after - r * b * b, 0.0),
        (r2_after * b_after - r2 * b, 0.0),
    ]
    for k, (change, start) in enumerate(changes):
        _running_sum(change, exited, scalar[k])
        scalar[k] += start
    vector = np.empty((3 * p, times.size))
    for j in range(p):
        w_after = w[j] - columns[2 + j]
        pieces = [
            (-columns[2 + j], w0[j].sum()),
            (w_after * b_after - w[j] * b, 0.0),
            (w_after * r_after - w[j] * r, (w0[j] * r0).sum()),
        ]
        for k, (change, start) in enumerate(pieces):
            _running_sum(change, exited, vector[k * p + j])
            vector[k * p + j] += start
    return scalar, vector


def score_variance_fast(
    inputs: ScoreInputs, hazards: Hazards | None = None
) -> tuple[FloatArray, FloatArray, float]:
    """``I`` and ``J`` of the score's variance when every centre lies in one stratum.

    With ``A_h = sum_i p_ih M_i - sum_i p_ih^2`` and
    ``H_hi = 2 (M_i(t-) - p_ih - A_h)``:
    ``I = sum_h sum_t d_h(t) sum_i p_ih H_hi^2 = 4 sum d (sum p M^2 - 2 sum p^2 M + sum p^3 - A^2)``
    and ``J = sum_h sum_t d_h(t) sum_i H_hi Z_ih`` with
    ``Z_ih = sum_{j in i,h} Y_j x_j exp(eta_j) / S0_h``; the variance is
    ``I - J' V J``. ``M_i(t-) = b_i - R_i Lambda_h(t-)`` makes every sum a
    function of running aggregates, so the cost is O(n log n) whatever the
    number of centres.
    """
    hazards = _hazard_by_stratum(inputs) if hazards is None else hazards
    path = path_residuals(inputs, hazards)
    p = inputs.covariates.shape[1]
    info, j_vec, third = 0.0, np.zeros(p), 0.0
    for h, (times, n_event, cumulative) in enumerate(hazards):
        scalar, vector = _stratum_aggregates(inputs, inputs.stratum == h, path, times)
        lam = np.concatenate([[0.0], cumulative[:-1]])  # Lambda_h(t-) at the event times
        s0, r2, r3, rb, rb2, r2b = scalar
        p_m = (rb - lam * r2) / s0
        p_p = r2 / s0**2
        a = p_m - p_p
        p_mm = (rb2 - 2 * lam * r2b + lam**2 * r3) / s0
        p_pm = (r2b - lam * r3) / s0**2
        info += 4.0 * float(np.sum(n_event * (p_mm - 2 * p_pm + r3 / s0**3 - a**2)))
        third += float(np.sum(n_event * p_p))
        w, wb, wr = vector[:p], vector[p : 2 * p], vector[2 * p :]
        terms = (wb - lam * wr) / s0 - wr / s0**2 - a * w / s0
        j_vec += 2.0 * np.einsum("jt,t->j", terms, n_event)
    return np.asarray(info), j_vec, third


def score_variance_dense(
    inputs: ScoreInputs, max_cells: int = 4_000_000, hazards: Hazards | None = None
) -> tuple[FloatArray, FloatArray, float]:
    """``I`` and ``J`` (see :func:`score_variance_fast`) on centre x event-time matrices.

    Needed when a centre spans several strata (its martingale then moves with
    every stratum's baseline hazard); cost O(n x event times), in blocks of
    about ``max_cells`` cells.
    """
    from scipy import sparse

    n, p = inputs.covariates.shape
    indicator = sparse.csr_matrix(
        (np.ones(n), (inputs.centre, np.arange(n))), shape=(int(inputs.centre.max()) + 1, n)
    )
    hazards = _hazard_by_stratum(inputs) if hazards is None else hazards
    exit_hazard = np.empty(n)
    for g, (times_g, _, cumulative_g) in enumerate(hazards):
        rows = inputs.stratum == g
        exit_hazard[rows] = _at(times_g, cumulative_g, inputs.stop[rows])
    info, j_vec, third = 0.0, np.zeros(p), 0.0
    block = max(1, max_cells // n)
    for h, (times, n_event, _) in enumerate(hazards):
        for lo in range(0, times.size, block):
            t = times[lo : lo + block]
            before = np.stack([_left_limit(tg, cg, t) for tg, _, cg in hazards])
            exited = inputs.stop[:, None] < t[None, :]
            compensator = np.where(exited, exit_hazard[:, None], before[inputs.stratum])
            martingale = indicator @ (
                exited * inputs.event[:, None] - inputs.risk[:, None] * compensator
            )
            at_risk = ((inputs.stratum == h)[:, None] & ~exited) * inputs.risk[:, None]
            share = indicator @ at_risk
            s0 = share.sum(axis=0)
            share = share / s0
            a = (share * martingale).sum(axis=0) - (share**2).sum(axis=0)
            h_it = 2.0 * (martingale - share - a)
            d = n_event[lo : lo + block]
            info += float(np.sum(d * (h_it**2 * share).sum(axis=0)))
            third += float(np.sum(d * (share**2).sum(axis=0)))
            for k in range(p):
                z = (indicator @ (at_risk * inputs.covariates[:, k : k + 1])) / s0
                j_vec[k] += float(np.sum(d * (h_it * z).sum(axis=0)))
    return np.asarray(info), j_vec, third


def score_test(inputs: ScoreInputs) -> tuple[float, float]:
    """Statistic ``T`` and its variance ``I - J' V J`` (Commenges & Andersen 1995).

    ``T^2 / variance`` is referred to chi-square(1), as ``frailtyEM::ca_test``.
    """
    inputs = _sorted(inputs)
    hazards = _hazard_by_stratum(inputs)
    if centres_within_strata(inputs.centre, inputs.stratum):
        info, j_vec, third = score_variance_fast(inputs, hazards)
    else:
        info, j_vec, third = score_variance_dense(inputs, hazards=hazards)
    return score_statistic(inputs, third), float(info - j_vec @ inputs.vcov @ j_vec)


def _sorted(inputs: ScoreInputs) -> ScoreInputs:
    """Rows in (stratum, time) order: later sorts and searches then run on sorted data."""
    order = _stratum_time_order(inputs)
    return ScoreInputs(
        stop=inputs.stop[order],
        event=inputs.event[order],
        risk=inputs.risk[order],
        covariates=inputs.covariates[order],
        residuals=inputs.residuals[order],
        centre=inputs.centre[order],
        stratum=inputs.stratum[order],
        vcov=inputs.vcov,
        efron=inputs.efron,
    )


def _stratum_time_order(inputs: ScoreInputs) -> IntArray:
    """The permutation to (stratum, time) order, from the hint when it holds."""
    hint = inputs.order
    if hint is None or hint.shape != inputs.stop.shape:
        return np.asarray(np.lexsort((inputs.stop, inputs.stratum)), dtype=np.intp)
    if np.any(inputs.stratum):  # stable: keeps the time order within each stratum
        hint = hint[np.argsort(inputs.stratum[hint], kind="stable")]
    stop, stratum = inputs.stop[hint], inputs.stratum[hint]
    if np.all((stop[1:] >= stop[:-1]) | (stratum[1:] != stratum[:-1])):
        return np.asarray(hint, dtype=np.intp)
    return np.asarray(np.lexsort((inputs.stop, inputs.stratum)), dtype=np.intp)


def centres_within_strata(centre: IntArray, stratum: IntArray) -> bool:
    """True when every centre's rows lie in a single stratum."""
    if not np.any(stratum):
        return True
    order = np.lexsort((stratum, centre))
    same_centre = centre[order][1:] == centre[order][:-1]
    return not bool(np.any(same_centre & (stratum[order][1:] != stratum[order][:-1])))


def censoring_survival(
    stop: FloatArray, event: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """Reverse Kaplan–Meier ``G(c) = P(C > c)`` at the distinct censoring times.

    Events count as censored observations of the censoring time; at a tied
    time they are still at risk, as in any Kaplan–Meier estimate.
    """
    times, n_censored = np.unique(stop[~event], return_counts=True)
    n_risk = stop.size - np.searchsorted(np.sort(stop), times, side="left")
    return times, np.asarray(np.cumprod(1.0 - n_censored / n_risk), dtype=np.float64)


def simulate_null(
    rng: np.random.Generator,
    inputs: ScoreInputs,
    hazards: list[tuple[FloatArray, FloatArray, FloatArray]],
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """One data set from the fitted Cox model with the observed censoring.

    Event times: ``T_j = min{t : Lambda_h(t) exp(eta_j) >= E_j}``, ``E_j``
    standard exponential, on the fitted step baseline of the row's stratum
    (never, past its last jump). Censoring: a censored row keeps its time; a
    row with an event draws ``C_j`` from the reverse Kaplan–Meier beyond its
    event time (``G(C) <= V G(T_obs)``, ``V`` uniform), or none when it has no
    mass left. Rows neither failing nor censored end at the last observed time.
    """
    n = inputs.stop.size
    target = rng.exponential(size=n) / inputs.risk
    failure = np.full(n, np.inf)
    for h, (times, _, cumulative) in enumerate(hazards):
        rows = np.flatnonzero(inputs.stratum == h)
        k = np.searchsorted(cumulative, target[rows], side="left")
        hit = k < times.size
        failure[rows[hit]] = times[k[hit]]
    censor_times, survival = censoring_survival(inputs.stop, inputs.event)
    at_exit = _at(censor_times, survival, inputs.stop)
    at_exit[np.searchsorted(censor_times, inputs.stop, side="right") == 0] = 1.0
    level = rng.uniform(size=n) * at_exit
    k = np.searchsorted(-survival, -level, side="left")
    censor = np.where(
        (k < censor_times.size) & (at_exit > 0),
        censor_times[np.minimum(k, censor_times.size - 1)],
        np.inf,
    )
    censor = np.where(inputs.event, censor, inputs.stop)
    time_ = np.minimum(failure, censor)
    return np.where(np.isinf(time_), inputs.stop.max(), time_), failure <= censor


def hazards_by_stratum(inputs: ScoreInputs) -> list[tuple[FloatArray, FloatArray, FloatArray]]:
    """Per stratum: distinct event times, events, cumulative baseline hazard."""
    return _hazard_by_stratum(inputs)
