"""Marginal likelihood of the shared gamma frailty Cox model (numerical core).

Model: :math:`h_{ij}(t) = w_i h_0(t) e^{x_{ij}\\beta}`, :math:`w_i \\sim
\\Gamma(1/\\theta, 1/\\theta)` (mean 1, variance :math:`\\theta`). Row ``j`` of
cluster ``i`` is observed on :math:`(s_{ij}, t_{ij}]`. Write
:math:`C_i = \\sum_j \\Lambda_0(t_{ij}) e^{\\eta_{ij}}` (cumulative hazard up to
exit) and :math:`T_i = \\sum_j \\Lambda_0(s_{ij}) e^{\\eta_{ij}}` (up to entry;
0 without left truncation). Conditioning the frailty on survival to entry
(its distribution given entry is :math:`\\Gamma(a, a + T_i)`, :math:`a =
1/\\theta`) and integrating it out gives (Klein 1992; Nielsen et al. 1992;
for truncation Jensen et al. 2004, as frailtyEM, Balan & Putter 2019)

.. math::
   \\ell(\\beta, \\Lambda_0, \\theta) = \\sum_{\\text{events}} (\\log \\lambda_0 + \\eta)
   + \\sum_i \\Big[ \\log\\Gamma(a + D_i) - \\log\\Gamma(a)
   + a \\log(a + T_i) - (a + D_i) \\log(a + C_i) \\Big].

Stationarity in the baseline jumps gives a Breslow estimator
:math:`\\lambda_k = d_k / S_k` with
:math:`S_k = \\sum_{ij} e^{\\eta_{ij}} [\\hat w_i 1(t_k \\le t_{ij})
- \\hat w^e_i 1(t_k \\le s_{ij})]`, :math:`\\hat w_i = (a + D_i)/(a + C_i)`
(posterior mean) and :math:`\\hat w^e_i = a / (a + T_i)` (mean given entry).
So each row enters the likelihood rows as an exit row at risk on
:math:`(0, t_{ij}]` with offset :math:`\\log \\hat w_i` and, when truncated, an
entry row on :math:`(0, s_{ij}]` with weight -1 and offset
:math:`\\log \\hat w^e_i`: the profile over the baseline at fixed
:math:`(\\beta, \\theta)` is the fixed point of
:math:`(\\hat w, \\hat w^e) \\mapsto` (posterior means under the Breslow
baseline of the Cox partial likelihood with these offsets), solved with
SQUAREM (Varadhan & Roland 2008); its score in :math:`\\beta` is that partial
likelihood's score (envelope theorem). Without truncation this is the EM
algorithm of Klein (1992). At the fixed point the log-likelihood, reported on
R's partial-likelihood scale (as R ``coxph``'s I-likelihood and frailtyEM), is

.. math::
   \\ell^*(\\theta) = PL(\\hat\\beta; \\log \\hat w, \\log \\hat w^e)
   - \\sum_i D_i \\log \\hat w_i + \\sum_i [\\dots] + D,

equal to the Cox partial log-likelihood at :math:`\\theta = 0`. With Efron
ties the Efron partial likelihood takes the place of Breslow's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from .cox.kernels import SortedCoxData, Ties, cox_terms, sort_cox_data

__all__ = ["FrailtyDesign", "ProfilePoint", "frailty_design", "profile_point", "theta_score"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_INNER_TOL = 1e-10
_INNER_MAX = 5000


@dataclass(frozen=True)
class FrailtyDesign:
    """Rows the marginal likelihood is evaluated on, with their clusters.

    ``data`` holds one exit row per observed row (at risk from time 0 to its
    stop time) and, under left truncation, one entry row per row entering
    after the first event time (stop = entry, weight = -case weight).
    """

    data: SortedCoxData
    state_index: IntArray  # per sorted row: cluster (exit rows) or K + cluster (entry rows)
    n_cluster: int
    n_rows: npt.NDArray[np.int64]  # observed rows per cluster
    n_event: FloatArray  # D_i, weighted events per cluster
    truncated: bool
    abs_weights: FloatArray  # per sorted row
    event_mass: FloatArray  # case weight x event indicator, per sorted row
    event_weight: FloatArray  # case weight of each event row
    tie_weight: FloatArray  # Efron's mean weight of the tie group (or the case weight)
    tie_fraction: FloatArray  # j / m_k (Efron) or 0 (Breslow)

    @property
    def state_size(self) -> int:
        return 2 * self.n_cluster if self.truncated else self.n_cluster


def frailty_design(data: SortedCoxData, cluster: IntArray, ties: Ties) -> FrailtyDesign:
    """Build the likelihood rows from sorted data and cluster codes (input row order).

    Counting-process data ``(start, stop]`` are taken as left truncated at
    ``start``: every row is a subject entering at ``start``.
    """
    n = data.n
    cluster_in = np.asarray(cluster, dtype=np.intp)
    k = int(cluster_in.max()) + 1 if n else 0
    sorted_cluster = cluster_in[data.order]
    n_rows = np.bincount(sorted_cluster, minlength=k).astype(np.int64)
    n_event = np.bincount(sorted_cluster, weights=data.weights * data.event, minlength=k)
    truncated = bool(data.counting)
    if truncated:
        rows = _input_order(data)
        first_event = float(data.group_time.min()) if data.group_time.size else np.inf
        late = np.flatnonzero(rows["start"] >= first_event)
        lik = sort_cox_data(
            np.concatenate([rows["stop"], rows["start"][late]]),
            np.concatenate([rows["event"], np.zeros(late.size)]),
            np.vstack([rows["x"], rows["x"][late]]),
            strata=np.concatenate([rows["strata"], rows["strata"][late]]),
            weights=np.concatenate([rows["weights"], -rows["weights"][late]]),
        )
        state = np.concatenate([cluster_in, k + cluster_in[late]])[lik.order]
    else:
        lik, state = data, sorted_cluster
    ev = lik.event_rows
    event_w = lik.weights[ev]
    if ties == "efron":
        groups = lik.group_time.shape[0]
        wbar = np.bincount(lik.group_of_event, weights=event_w, minlength=groups) / lik.group_size
        tie_weight, fraction = wbar[lik.group_of_event], lik.position_in_group
    else:
        tie_weight, fraction = event_w, np.zeros(ev.shape[0])
    return FrailtyDesign(
        data=lik,
        state_index=np.asarray(state, np.intp),
        n_cluster=k,
        n_rows=n_rows,
        n_event=np.asarray(n_event, np.float64),
        truncated=truncated,
        abs_weights=np.abs(lik.weights),
        event_mass=np.asarray(lik.weights * lik.event, np.float64),
        event_weight=np.asarray(event_w, np.float64),
        tie_weight=np.asarray(tie_weight, np.float64),
        tie_fraction=np.asarray(fraction, np.float64),
    )


def _input_order(data: SortedCoxData) -> dict[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for name, values in (
        ("stop", data.stop),
        ("start", data.start),
        ("event", data.event.astype(np.float64)),
        ("weights", data.weights),
        ("strata", data.stratum.astype(np.float64)),
    ):
        column = np.empty(data.n)
        column[data.order] = values
        out[name] = column
    x = np.empty_like(data.covariates)
    x[data.order] = data.covariates + data.centre
    out["x"] = x
    return out


def _hazard_kernel(design: FrailtyDesign, lin: FloatArray) -> tuple[FloatArray, float, float]:
    """Breslow/Efron baseline over the likelihood rows at linear predictor ``lin``.

    Returns each sorted row's cumulative hazard at its stop time, scaled by
    ``exp(shift)``, the partial log-likelihood and ``shift``. Cumulative sums
    only: no loop over rows or risk sets, and no covariate products.
    """
    data = design.data
    shift = float(lin.max()) if lin.size else 0.0
    risk = data.weights * np.exp(lin - shift)
    ev, g = data.event_rows, data.group_of_event
    n_groups = data.group_time.shape[0]
    # Row i is at risk at tie groups lo_i..hi_i-1: a difference array over groups.
    enter = np.bincount(data.row_group_lo, weights=risk, minlength=n_groups + 1)
    leave = np.bincount(data.row_group_hi, weights=risk, minlength=n_groups + 1)
    s0 = np.cumsum(enter[:n_groups] - leave[:n_groups])
    frac = design.tie_fraction
    den = s0[g]
    if np.any(frac):
        den = den - frac * np.bincount(g, weights=risk[ev], minlength=n_groups)[g]
    den = np.maximum(den, np.finfo(float).tiny)
    per_event = design.tie_weight / den
    increment = np.bincount(g, weights=per_event, minlength=n_groups)
    cumulative = np.append(0.0, np.cumsum(increment))
    row = cumulative[data.row_group_hi] - cumulative[data.row_group_lo]
    if np.any(frac):
        row[ev] -= np.bincount(g, weights=per_event * frac, minlength=n_groups)[g]
    loglik = _dot(design.event_weight, lin[ev]) - _dot(design.tie_weight, np.log(den) + shift)
    return row, loglik, shift


def _hazard_totals(
    design: FrailtyDesign, eta: FloatArray, state: FloatArray, score: bool = False
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """(C, T) per cluster, the partial log-likelihood and its score at offsets ``state``.

    The score is :math:`X^T(\\delta w - r c)` with :math:`c` each row's
    cumulative hazard (Efron share included): the same sum over risk sets as
    :math:`\\sum_k (S_1 - f D_1)/\\mathrm{den}`, taken row by row.
    """
    offset = state[design.state_index]
    lin = eta + offset
    row, loglik, shift = _hazard_kernel(design, lin)
    relative = np.exp(lin - shift)
    # e^eta * Lambda0 = e^(lin - shift) * row / e^offset: no overflow from the shift.
    contribution = design.abs_weights * relative * np.exp(-offset) * row
    gradient = np.zeros(design.data.n_covariates)
    if score and gradient.size:
        residual = design.event_mass - design.data.weights * relative * row
        gradient = np.einsum("ij,i->j", design.data.covariates, residual)
    totals = np.asarray(
        np.bincount(design.state_index, weights=contribution, minlength=design.state_size),
        np.float64,
    )
    k = design.n_cluster
    entry = totals[k:] if design.truncated else np.zeros(k)
    return totals[:k], entry, loglik, np.asarray(gradient, np.float64)


def _update(design: FrailtyDesign, a: float, eta: FloatArray, state: FloatArray) -> FloatArray:
    exit_hazard, entry_hazard, _, _ = _hazard_totals(design, eta, state)
    new = np.log(a + design.n_event) - np.log(a + exit_hazard)
    if design.truncated:
        new = np.concatenate([new, np.log(a) - np.log(a + entry_hazard)])
    return np.asarray(new, np.float64)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Inner product without BLAS (a threaded level-1 BLAS call is slow on small machines)."""
    return float(np.einsum("i,i->", a, b))


def _log_rising(a: float, events: FloatArray) -> FloatArray:
    """log Gamma(a + D) - log Gamma(a) - D log a, without cancellation for large a."""
    if a < 1e5:
        return np.asarray(special.gammaln(a + events) - special.gammaln(a) - events * np.log(a))
    d = events  # Stirling series of the rising factorial near the boundary theta = 0
    return np.asarray(d * (d - 1) / (2 * a) - d * (d - 1) * (2 * d - 1) / (12 * a * a))


def cluster_terms(a: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray) -> float:
    """Sum over clusters of the integrated frailty term, exact as theta -> 0.

    log G(a + D) - log G(a) + a log(a + T) - (a + D) log(a + C)
    = [log G(a + D) - log G(a) - D log a] + a log(1 + T/a) - (a + D) log(1 + C/a).
    """
    rising = _log_rising(a, events)
    return float(np.sum(rising + a * np.log1p(entry_h / a) - (a + events) * np.log1p(exit_h / a)))


@dataclass(frozen=True)
class ProfilePoint:
    """The maximum over the baseline (and frailties) at fixed beta and theta."""

    loglik: float
    state: FloatArray  # log w (K), then log w given entry (K) under truncation
    exit_hazard: FloatArray  # C_i
    entry_hazard: FloatArray  # T_i
    iterations: int
    score: FloatArray  # in beta: the profile's gradient (envelope theorem)

    @property
    def frailty(self) -> FloatArray:
        return np.asarray(np.exp(self.state[: self.exit_hazard.shape[0]]), np.float64)


def linear_predictor(design: FrailtyDesign, beta: FloatArray) -> FloatArray:
    """Centred x beta on the sorted likelihood rows."""
    data = design.data
    if not beta.size:
        return np.zeros(data.n)
    return np.asarray(np.einsum("ij,j->i", data.covariates, beta), np.float64)


def offset_input_order(design: FrailtyDesign, state: FloatArray) -> FloatArray:
    """Offsets of the likelihood rows in their input order (for :func:`cox_terms`)."""
    out = np.empty(design.data.n)
    out[design.data.order] = state[design.state_index]
    return out


def profile_point(
    design: FrailtyDesign,
    beta: FloatArray,
    theta: float,
    start: FloatArray | None = None,
    tol: float = _INNER_TOL,
) -> ProfilePoint:
    """Maximise over the baseline and posterior frailties at fixed ``beta`` and ``theta``.

    The fixed point of :func:`_update` is iterated on the log scale with a
    squared extrapolation step (SQUAREM; Varadhan & Roland 2008).
    ``theta = 0`` returns the Cox partial likelihood (all frailties 1).
    """
    eta = linear_predictor(design, beta)
    size = design.state_size
    if theta <= 0.0:
        zero = np.zeros(size)
        exit_h, entry_h, pl, score = _hazard_totals(design, eta, zero, score=True)
        return ProfilePoint(pl, zero, exit_h, entry_h, 0, score)
    a = 1.0 / theta
    state = np.zeros(size) if start is None else np.asarray(start, np.float64).copy()
    iterations = 0
    while iterations < _INNER_MAX:
        iterations += 1
        first = _update(design, a, eta, state)
        r = first - state
        if np.max(np.abs(r), initial=0.0) < tol:
            state = first
            break
        second = _update(design, a, eta, first)
        v = second - 2.0 * first + state
        norm_v = float(np.sqrt(_dot(v, v)))
        alpha = min(-float(np.sqrt(_dot(r, r))) / norm_v if norm_v > 0 else -1.0, -1.0)
        candidate = state - 2.0 * alpha * r + alpha * alpha * v
        state = _update(design, a, eta, candidate) if np.all(np.isfinite(candidate)) else second
    exit_h, entry_h, pl, score = _hazard_totals(design, eta, state, score=True)
    events = design.n_event
    loglik = (
        pl
        - _dot(events, state[: design.n_cluster])
        + cluster_terms(a, events, exit_h, entry_h)
        + float(events.sum())
    )
    return ProfilePoint(loglik, state, exit_h, entry_h, iterations, score)


def score_and_information(
    design: FrailtyDesign, beta: FloatArray, state: FloatArray, ties: Ties, information: bool
) -> tuple[FloatArray, FloatArray]:
    """Score in beta of the profile (envelope theorem) and the information given the frailties."""
    terms = cox_terms(
        design.data,
        beta,
        offset=offset_input_order(design, state),
        ties=ties,
        information=information,
    )
    return terms.score, terms.information


def theta_score(theta: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray) -> float:
    """Derivative in theta of the log-likelihood at fixed beta and baseline."""
    a = 1.0 / theta
    d_da = np.sum(
        special.digamma(a + events)
        - special.digamma(a)
        + np.log(a + entry_h)
        + a / (a + entry_h)
        - np.log(a + exit_h)
        - (a + events) / (a + exit_h)
    )
    return float(-a * a * d_da)
