"""Marginal likelihood of the shared gamma frailty Cox model (numerical core).

Model: :math:`h_{ij}(t) = w_i h_0(t) e^{x_{ij}\\beta}`, :math:`w_i \\sim
\\Gamma(1/\\theta, 1/\\theta)` (mean 1, variance :math:`\\theta`). Row ``j`` of
cluster ``i`` is observed on :math:`(s_{ij}, t_{ij}]`. Write
:math:`C_i = \\sum_j \\Lambda_0(t_{ij}) e^{\\eta_{ij}}` (cumulative hazard up to
exit) and :math:`T_i = \\sum_j \\Lambda_0(s_{ij}) e^{\\eta_{ij}}` (up to entry;
0 without left truncation). Conditioning the frailty on survival to entry
(given entry it is :math:`\\Gamma(a, a + T_i)`, :math:`a = 1/\\theta`) and
integrating it out gives (Klein 1992; Nielsen et al. 1992; for delayed entry
Jensen et al. 2004 and frailtyEM, Balan & Putter 2019)

.. math::
   \\ell(\\beta, \\Lambda_0, \\theta) = \\sum_{\\text{events}} (\\log \\lambda_0 + \\eta)
   + \\sum_i \\Big[ \\log\\Gamma(a + D_i) - \\log\\Gamma(a)
   + a \\log(a + T_i) - (a + D_i) \\log(a + C_i) \\Big].

At fixed :math:`\\theta` the baseline and :math:`\\beta` come from the EM
algorithm: posterior means :math:`\\hat w_i = (a + D_i)/(a + C_i)` (E-step,
the frailty's distribution given entry and the data), then a Cox fit of the
rows' own risk sets :math:`(s, t]` with offset :math:`\\log \\hat w` and its
Breslow baseline (M-step). The fixed point in :math:`\\hat w` is solved with
SQUAREM (Varadhan & Roland 2008). Without truncation it maximises
:math:`\\ell` over the baseline and :math:`\\beta` (Klein 1992), so the score
of the M-step Cox likelihood is the profile's gradient. With truncation the
M-step leaves out the entry term (as frailtyEM does), so the EM fixed point is
not a stationary point of :math:`\\ell`; it only starts the exact
maximisation over the baseline in :mod:`._frailty_truncated`, whose result
replaces it. When :math:`\\ell` has no finite maximum over the baseline (it
rises to a limit as the baseline scale grows: most clusters truncated, a
large :math:`\\theta`) that limit is reported at the EM shape, as before. At the
fixed point the log-likelihood is reported on R's partial-likelihood scale
(R ``coxph``'s I-likelihood and frailtyEM's log-likelihood):

.. math::
   \\ell^*(\\theta) = PL(\\hat\\beta; \\log \\hat w) - \\sum_i D_i \\log \\hat w_i
   + \\sum_i [\\dots] + D,

equal to the Cox partial log-likelihood at :math:`\\theta = 0`. With Efron
ties the Efron partial likelihood takes the place of Breslow's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from ..counting.linalg import inverse_or_pinv, tie_weights
from ..counting.risksets import CellLayout, CellSums, cell_layout
from .kernels import SortedCoxData, Ties, cox_terms

__all__ = [
    "FrailtyDesign",
    "ProfilePoint",
    "frailty_design",
    "profile_point",
    "theta_score",
    "variances",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_INNER_TOL = 1e-10
_INNER_MAX = 5000
_DRIFT_LEVEL = -25.0  # mean log frailty below which the iterates are taken to drift


@dataclass(frozen=True)
class FrailtyDesign:
    """Sorted rows, their clusters, and what every evaluation of the likelihood reuses."""

    data: SortedCoxData
    cluster: IntArray  # per sorted row
    n_cluster: int
    n_rows: npt.NDArray[np.int64]  # rows per cluster
    n_event: FloatArray  # D_i, weighted events per cluster
    truncated: bool
    event_mass: FloatArray  # case weight x event indicator, per sorted row
    event_weight: FloatArray  # case weight of each event row
    tie_weight: FloatArray  # Efron's mean weight of the tie group (or the case weight)
    tie_fraction: FloatArray  # j / m_k (Efron) or 0 (Breslow)
    layout: CellLayout  # the risk-set bins of ``data`` crossed with the clusters


def frailty_design(
    data: SortedCoxData, cluster: IntArray, ties: Ties, left_truncation: bool = True
) -> FrailtyDesign:
    """Index clusters (``cluster`` in input row order, codes 0..K-1) on the sorted rows.

    Counting-process data ``(start, stop]`` are taken as left truncated at
    ``start`` (every row a subject entering at ``start``, the frailty conditioned
    on survival to entry) unless ``left_truncation`` is false: then the rows are
    pieces of follow-up, each adding its interval's hazard, with no conditioning.
    """
    sorted_cluster = np.asarray(cluster, dtype=np.intp)[data.order]
    k = int(sorted_cluster.max()) + 1 if sorted_cluster.size else 0
    n_rows = np.bincount(sorted_cluster, minlength=k).astype(np.int64)
    n_event = np.bincount(sorted_cluster, weights=data.weights * data.event, minlength=k)
    event_w = data.weights[data.event_rows]
    tie_weight, fraction = tie_weights(data.group_of_event, data.position_in_group, event_w, ties)
    return FrailtyDesign(
        data=data,
        cluster=sorted_cluster,
        n_cluster=k,
        n_rows=n_rows,
        n_event=np.asarray(n_event, np.float64),
        truncated=bool(data.counting) and left_truncation,
        event_mass=np.asarray(data.weights * data.event, np.float64),
        event_weight=np.asarray(event_w, np.float64),
        tie_weight=tie_weight,
        tie_fraction=fraction,
        layout=cell_layout(data, sorted_cluster, k),
    )


@dataclass(frozen=True)
class _Tabulated:
    """Risk-set sums of ``w e^(eta - shift)`` per (cluster x tie group), at fixed beta.

    Tabulated once per beta; each E-step then costs one pass over the occupied
    (cluster x bin) entries, not over the rows (the frailties enter as one
    multiplier per cluster).
    """

    eta: FloatArray
    shift: float
    sums: CellSums


def _tabulate(design: FrailtyDesign, eta: FloatArray) -> _Tabulated:
    shift = float(eta.max()) if eta.size else 0.0
    return _Tabulated(eta, shift, design.layout.fill(design.data.weights * np.exp(eta - shift)))


@dataclass(frozen=True)
class _Baseline:
    """Breslow/Efron baseline at offsets ``state``, scaled by ``exp(shift)``."""

    increment: FloatArray  # hazard jump per tie group
    share: FloatArray | None  # Efron: the part of its own group's jump an event row lacks
    denominator: FloatArray  # per event row
    per_event: FloatArray  # tie weight / denominator, per event row
    shift: float  # log of the scale of the risk scores
    cluster_shift: float  # max of state (the scale of the cluster multipliers)


def _baseline(design: FrailtyDesign, table: _Tabulated, state: FloatArray) -> _Baseline:
    """Baseline hazard from the same risk-set sums as Cox, with cluster multipliers."""
    data = design.data
    top = float(state.max()) if state.size else 0.0
    s0, d0 = table.sums.risk_sums(np.exp(state - top))
    g, frac = data.group_of_event, design.tie_fraction
    efron = bool(np.any(frac))
    den = s0[g] - frac * d0[g] if efron else s0[g]
    den = np.maximum(den, np.finfo(float).tiny)
    per_event = design.tie_weight / den
    increment = data.group_total(per_event)
    share = data.group_total(per_event * frac) if efron else None
    return _Baseline(increment, share, den, per_event, table.shift + top, top)


def _cluster_hazards(
    design: FrailtyDesign, table: _Tabulated, base: _Baseline
) -> tuple[FloatArray, FloatArray]:
    """(C, T) per cluster: frailty-free hazard sums up to exit and up to entry."""
    exit_total, entry_total = table.sums.cell_totals(base.increment, base.share)
    scale = np.exp(-base.cluster_shift)
    if not design.data.counting:
        return np.asarray(exit_total * scale, np.float64), np.zeros(design.n_cluster)
    if design.truncated:
        return np.asarray(exit_total * scale, np.float64), np.asarray(entry_total * scale)
    return np.asarray((exit_total - entry_total) * scale, np.float64), np.zeros(design.n_cluster)


def _hazard_totals(
    design: FrailtyDesign, table: _Tabulated, state: FloatArray, score: bool = False
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """(C, T) per cluster, the partial log-likelihood and its score at offsets ``state``.

    The score is :math:`X^T(\\delta w - r c)` with :math:`c` each row's
    cumulative hazard over its interval (Efron share included): the same sum
    over risk sets as :math:`\\sum_k (S_1 - f D_1)/\\mathrm{den}`, taken row by row.
    """
    data = design.data
    base = _baseline(design, table, state)
    exit_h, entry_h = _cluster_hazards(design, table, base)
    lin_events = table.eta[data.event_rows] + state[design.cluster[data.event_rows]]
    loglik = _dot(design.event_weight, lin_events) - _dot(
        design.tie_weight, np.log(base.denominator) + base.shift
    )
    gradient = np.zeros(data.n_covariates)
    if score and gradient.size:
        row = data.per_row_from_groups(base.increment)
        if base.share is not None:
            row[data.event_rows] -= base.share[data.group_of_event]
        relative = np.exp(table.eta + state[design.cluster] - base.shift)
        residual = design.event_mass - data.weights * relative * row
        gradient = np.einsum("ij,i->j", data.covariates, residual)
    return exit_h, entry_h, loglik, np.asarray(gradient, np.float64)


def _update(design: FrailtyDesign, a: float, table: _Tabulated, state: FloatArray) -> FloatArray:
    """E-step: posterior mean log frailties given the baseline at ``state``."""
    exit_hazard, _ = _cluster_hazards(design, table, _baseline(design, table, state))
    return np.asarray(np.log(a + design.n_event) - np.log(a + exit_hazard), np.float64)


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
    state: FloatArray  # log w, posterior mean frailties
    exit_hazard: FloatArray  # C_i
    entry_hazard: FloatArray  # T_i
    iterations: int
    score: FloatArray  # in beta: the profile's gradient (envelope theorem)
    degenerate: bool = False  # truncation: no fixed point, log-likelihood at its limit
    converged: bool = True  # false when the E-steps stopped at their cap

    @property
    def frailty(self) -> FloatArray:
        return np.asarray(np.exp(self.state), np.float64)


def linear_predictor(design: FrailtyDesign, beta: FloatArray) -> FloatArray:
    """Centred x beta on the sorted likelihood rows."""
    data = design.data
    if not beta.size:
        return np.zeros(data.n)
    return np.asarray(np.einsum("ij,j->i", data.covariates, beta), np.float64)


def offset_input_order(design: FrailtyDesign, state: FloatArray) -> FloatArray:
    """Offsets of the likelihood rows in their input order (for :func:`cox_terms`)."""
    out = np.empty(design.data.n)
    out[design.data.order] = state[design.cluster]
    return out


def _squarem(
    update: Callable[[FloatArray], FloatArray],
    state: FloatArray,
    tol: float,
    drift_check: bool = False,
    max_iter: int = _INNER_MAX,
) -> tuple[FloatArray, int, bool, bool]:
    """Fixed point of ``update`` by SQUAREM (Varadhan & Roland 2008).

    With ``drift_check`` it stops early, returning ``True``, when the residual
    has become a negative constant vector: the iterates then drift to
    :math:`-\\infty` along the common level of the log frailties. The last
    value is false when ``max_iter`` E-steps did not reach ``tol``.
    """
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            first = update(state)
        if not np.all(np.isfinite(first)):
            # Overflow: under truncation the level has run away; otherwise give up here.
            return state, iterations, drift_check, drift_check
        r = first - state
        if np.max(np.abs(r), initial=0.0) < tol:
            return first, iterations, False, True
        if drift_check and iterations > 5:
            level = float(np.mean(r))
            flat = level < -tol and np.max(np.abs(r - level)) < 1e-4 * abs(level)
            if flat or float(np.mean(first)) < _DRIFT_LEVEL:
                return first, iterations, True, True
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            second = update(first)
        if not np.all(np.isfinite(second)):
            return first, iterations, drift_check, drift_check
        v = second - 2.0 * first + state
        norm_v = float(np.sqrt(_dot(v, v)))
        alpha = min(-float(np.sqrt(_dot(r, r))) / norm_v if norm_v > 0 else -1.0, -1.0)
        candidate = state - 2.0 * alpha * r + alpha * alpha * v
        # An extrapolated step can overflow while the level drifts: fall back.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = update(candidate) if np.all(np.isfinite(candidate)) else second
        if not np.all(np.isfinite(state)):
            state = second
    return state, iterations, False, False


def profile_point(
    design: FrailtyDesign,
    beta: FloatArray,
    theta: float,
    start: FloatArray | None = None,
    tol: float = _INNER_TOL,
    max_iter: int = _INNER_MAX,
) -> ProfilePoint:
    """Maximise over the baseline and posterior frailties at fixed ``beta`` and ``theta``.

    The fixed point of :func:`_update` is iterated on the log scale with a
    squared extrapolation step (SQUAREM; Varadhan & Roland 2008).
    ``theta = 0`` returns the Cox partial likelihood (all frailties 1).

    Under left truncation and a large ``theta`` the fixed point may not exist:
    the log frailties drift down together while the baseline grows, and the
    log-likelihood converges to the limit (with :math:`C_i, T_i \\to \\infty` at a
    common rate) :math:`PL - \\sum D_i \\log \\hat w_i + \\sum_i [\\log\\Gamma(a + D_i) -
    \\log\\Gamma(a) + a \\log T_i - (a + D_i) \\log C_i] + D`, which does not depend
    on the level. The shape is then solved with the level held at mean 0 and
    that limit is returned (frailtyEM's EM, stopping on the log-likelihood,
    reaches the same value); ``degenerate`` is set.
    """
    table = _tabulate(design, linear_predictor(design, beta))
    size = design.n_cluster
    if theta <= 0.0:
        zero = np.zeros(size)
        exit_h, entry_h, pl, score = _hazard_totals(design, table, zero, score=True)
        return ProfilePoint(pl, zero, exit_h, entry_h, 0, score)
    a = 1.0 / theta
    state = np.zeros(size) if start is None else np.asarray(start, np.float64).copy()

    def update(values: FloatArray) -> FloatArray:
        return _update(design, a, table, values)

    if design.truncated and start is not None:
        exact = _truncated_maximum(design, table, theta, state, tol, max_iter)
        if exact is not None:
            return exact
    state, iterations, degenerate, converged = _squarem(
        update, state, tol, design.truncated, max_iter
    )
    if design.truncated and not degenerate:
        exact = _truncated_maximum(design, table, theta, state, tol, max_iter)
        if exact is not None:
            return exact
    if degenerate:

        def centred(values: FloatArray) -> FloatArray:
            # The update in the limit (a negligible beside C), level held at 0.
            exit_hazard, _, _, _ = _hazard_totals(design, table, values)
            new = np.log(a + design.n_event) - np.log(exit_hazard)
            return np.asarray(new - np.mean(new), np.float64)

        state, more, _, converged = _squarem(centred, state - np.mean(state), tol, False, max_iter)
        iterations += more
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exit_h, entry_h, pl, score = _hazard_totals(design, table, state, score=True)
    events = design.n_event
    if degenerate:
        terms = float(
            np.sum(
                special.gammaln(a + events)
                - special.gammaln(a)
                + a * np.log(entry_h)
                - (a + events) * np.log(exit_h)
            )
        )
    else:
        terms = cluster_terms(a, events, exit_h, entry_h)
    loglik = pl - _dot(events, state) + terms + float(events.sum())
    if not np.isfinite(loglik) and start is not None:
        return profile_point(design, beta, theta, None, tol, max_iter)  # a warm start ran away
    return ProfilePoint(loglik, state, exit_h, entry_h, iterations, score, degenerate, converged)


def _truncated_maximum(
    design: FrailtyDesign,
    table: _Tabulated,
    theta: float,
    state: FloatArray,
    tol: float,
    max_iter: int,
) -> ProfilePoint | None:
    """Left truncation: the true maximum over the baseline (:mod:`._frailty_truncated`)."""
    from ._frailty_truncated import truncated_point  # it builds on this module

    return truncated_point(design, table, theta, state, tol, max_iter)


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


def _hessian(gradient: Callable[[FloatArray], FloatArray], point: FloatArray) -> FloatArray:
    """Forward differences of an analytic gradient (last coordinate: theta, relative step)."""
    size = point.size
    hess = np.zeros((size, size))
    centre = gradient(point)
    for j in range(size):
        h = 1e-6 * max(1.0, abs(float(point[j]))) if j < size - 1 else 1e-5 * float(point[j])
        up = point.copy()
        up[j] += h
        hess[:, j] = (gradient(up) - centre) / h
    return 0.5 * (hess + hess.T)


def variances(
    design: FrailtyDesign, ties: Ties, beta: FloatArray, theta: float, state: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Conditional (given theta) and adjusted variances of beta from the observed information.

    The Hessian of the profile over the baseline in (beta, theta) is taken by
    central differences of its analytic gradient (score in beta, envelope
    derivative in theta); the adjusted variance is the beta block of its
    inverse (frailtyEM's "adj. se"), the conditional one the inverse of its
    beta block.
    """
    p = beta.size
    if p == 0:
        return np.zeros((0, 0)), np.zeros((0, 0))
    if theta <= 0:
        _, info = score_and_information(design, beta, np.zeros(design.n_cluster), ties, True)
        inverse = inverse_or_pinv(info)
        return inverse, inverse

    def gradient(point: FloatArray) -> FloatArray:
        th = float(point[p])
        inner = profile_point(design, point[:p], th, state)
        slope = theta_score(th, design.n_event, inner.exit_hazard, inner.entry_hazard)
        return np.append(inner.score, slope)

    hess = _hessian(gradient, np.append(beta, theta))
    conditional = np.linalg.inv(-hess[:p, :p])
    adjusted = np.linalg.inv(-hess)[:p, :p]
    return np.asarray(conditional, np.float64), np.asarray(adjusted, np.float64)
