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
maximisation over the baseline in :func:`truncated_point`, whose result
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
from scipy import optimize, special

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
    """Left truncation: the true maximum over the baseline (:func:`truncated_point`)."""
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


# -- left truncation: the exact maximum over the baseline ----------------------------

_LEVEL_MAX = 64.0  # |log scale| of the baseline beyond which it is taken as unbounded


@dataclass(frozen=True)
class _Jumps:
    """Baseline jumps (scaled) at multipliers E (exit side) and F (entry side)."""

    increment: FloatArray  # per tie group, scaled by exp(shift)
    share: FloatArray | None  # Efron: the part of its own group's jump an event row lacks
    denominator: FloatArray  # per event row
    shift: float  # log of the scale of the risk scores (table shift + multiplier top)
    top: float


def _jumps(design: FrailtyDesign, table: _Tabulated, state: FloatArray) -> _Jumps:
    """Solve the score equations of the jumps at given (log E, log F)."""
    k = design.n_cluster
    top = float(state.max()) if state.size else 0.0
    scaled = np.exp(state - top)
    exit_factor, entry_factor = scaled[:k], scaled[k:]
    sums, sets = table.sums, design.data
    binned = sums.exit_table @ exit_factor + sums.entry_table @ entry_factor
    tail = np.zeros(binned.shape[0] + 1)
    tail[:-1] = np.cumsum(binned[::-1])[::-1]
    s0 = tail[sets.bin_first] - tail[sets.bin_end]
    d0 = sums.event_table @ exit_factor
    g, frac = sets.group_of_event, design.tie_fraction
    efron = bool(np.any(frac))
    den = s0[g] - frac * d0[g] if efron else s0[g]
    den = np.maximum(den, np.finfo(float).tiny)
    per_event = design.tie_weight / den
    increment = sets.group_total(per_event)
    share = sets.group_total(per_event * frac) if efron else None
    return _Jumps(increment, share, den, table.shift + top, top)


def _exact_hazards(
    design: FrailtyDesign, table: _Tabulated, jumps: _Jumps
) -> tuple[FloatArray, ...]:
    """(C, T) per cluster at the jumps."""
    exit_total, entry_total = table.sums.cell_totals(jumps.increment, jumps.share)
    scale = np.exp(-jumps.top)
    return np.asarray(exit_total * scale, np.float64), np.asarray(entry_total * scale, np.float64)


def _level_slope(
    u: float, a: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray
) -> float:
    """d loglik / d log c when the baseline is scaled by c = exp(u) (shape held)."""
    c = np.exp(u)
    entry_part = a * c * entry_h / (a + c * entry_h)
    exit_part = (a + events) * c * exit_h / (a + c * exit_h)
    return float(np.sum(events) + np.sum(entry_part) - np.sum(exit_part))


def _best_level(a: float, events: FloatArray, exit_h: FloatArray, entry_h: FloatArray) -> float:
    """log c maximising the likelihood over the scale of the baseline; inf when it grows forever.

    The slope starts at D > 0 (u -> -inf) and tends to 0 as u -> inf; the
    maximum is its sign change, or at infinity when it stays positive
    (then the log-likelihood rises to its limit, see :func:`profile_point`).
    """

    def slope(u: float) -> float:
        return _level_slope(u, a, events, exit_h, entry_h)

    lo, hi = -1.0, 1.0
    while slope(hi) > 0:
        lo, hi = hi, 2.0 * hi
        if hi > _LEVEL_MAX:
            return float("inf")
    while slope(lo) <= 0:
        hi, lo = lo, 2.0 * lo
        if lo < -_LEVEL_MAX:
            return lo
    return float(optimize.brentq(slope, lo, hi, xtol=1e-13, rtol=1e-13))


def _exact_update(
    design: FrailtyDesign, a: float, table: _Tabulated, state: FloatArray
) -> FloatArray:
    """The stationarity equations of the jumps, after the best scale of the baseline.

    Scaling the baseline to its best level before each update moves along the
    likelihood's nearly flat direction (which slows the plain iteration down);
    the fixed point is the same, as the best scale there is 1. A best scale at
    infinity (no finite maximum) gives NaN, which stops the iteration.
    """
    exit_h, entry_h = _exact_hazards(design, table, _jumps(design, table, state))
    if not (np.all(np.isfinite(exit_h)) and np.all(np.isfinite(entry_h))):
        return np.full(state.shape, np.nan)
    level = _best_level(a, design.n_event, exit_h, entry_h)
    if not np.isfinite(level):
        return np.full(state.shape, np.nan)
    exit_h, entry_h = exit_h * np.exp(level), entry_h * np.exp(level)
    exit_state = np.log(a + design.n_event) - np.log(a + exit_h)
    entry_state = np.log(a) - np.log(a + entry_h)
    return np.asarray(np.concatenate([exit_state, entry_state]), np.float64)


def _exact_score(
    design: FrailtyDesign, table: _Tabulated, state: FloatArray, jumps: _Jumps
) -> FloatArray:
    """Gradient in beta of the marginal likelihood at the maximising baseline."""
    data = design.data
    if not data.n_covariates:
        return np.zeros(0)
    k = design.n_cluster
    interval = data.per_row_from_groups(jumps.increment)
    if jumps.share is not None:
        interval[data.event_rows] -= jumps.share[data.group_of_event]
    cumulative = np.concatenate([[0.0], np.cumsum(jumps.increment)])
    first = np.searchsorted(data.group_stratum, data.stratum, side="left")
    before_entry = cumulative[data.row_group_lo] - cumulative[first]
    cluster = design.cluster
    exit_risk = np.exp(table.eta + state[:k][cluster] - jumps.shift)
    entry_risk = np.exp(table.eta + state[k:][cluster] - jumps.shift)
    hazard = exit_risk * (interval + before_entry) - entry_risk * before_entry
    residual = design.event_mass - data.weights * hazard
    return np.asarray(np.einsum("ij,i->j", data.covariates, residual), np.float64)


def truncated_point(
    design: FrailtyDesign,
    table: _Tabulated,
    theta: float,
    start: FloatArray,
    tol: float,
    max_iter: int,
) -> ProfilePoint | None:
    """The maximum over the baseline at fixed beta and ``theta`` (None when it drifts away).

    Left truncation: the maximum of the gamma-frailty marginal likelihood over the
    baseline.

    With the frailty conditioned on survival to entry the marginal log-likelihood
    at fixed :math:`\\beta` and :math:`\\theta` (see the module docstring) is,
    in the hazard jumps :math:`\\lambda_k` of the baseline,

    .. math::
       \\ell = \\sum_k d_k \\log \\lambda_k + \\sum_{\\text{events}} \\eta
       + \\sum_i \\big[\\log\\Gamma(a + D_i) - \\log\\Gamma(a)
       + a \\log(a + T_i) - (a + D_i) \\log(a + C_i)\\big],

    and its score in :math:`\\lambda_k` vanishes when

    .. math::
       \\lambda_k = d_k \\Big/ \\sum_j r_j \\big[E_{i(j)} 1(t_k \\le t_j)
       - F_{i(j)} 1(t_k \\le s_j)\\big],
       \\qquad E_i = \\frac{a + D_i}{a + C_i}, \\quad F_i = \\frac{a}{a + T_i},

    with :math:`r_j = e^{\\eta_j}` (times the case weight). :math:`E_i` is the
    posterior mean frailty given the data, :math:`F_i` its mean given survival to
    entry. The EM algorithm (frailtyEM's, and the untruncated path here) puts
    :math:`E_i` in both places, i.e. it solves the M-step without the entry term of
    the likelihood, and its fixed point is not a stationary point of
    :math:`\\ell`. Here the stationarity equations themselves are iterated as a
    fixed point in :math:`(\\log E, \\log F)` with SQUAREM (Varadhan & Roland
    2008), started from the EM point, so the result is the maximum over the
    baseline. The envelope theorem then gives the exact gradient of the profile
    in :math:`\\beta`,

    .. math::
       \\partial \\ell / \\partial \\beta = \\sum_j x_j \\big[\\delta_j
       - r_j (E_{i(j)} \\Lambda_0(t_j) - F_{i(j)} \\Lambda_0(s_j))\\big],

    and in :math:`\\theta` (:func:`theta_score`), so that
    Newton steps in :math:`\\beta` and the curvature of the profile refer to the
    true marginal likelihood. Efron's ties use the same equations with Efron's
    risk-set correction (on the events' multiplier :math:`E_i`).

    References: Klein JP (1992) Biometrics 48:795-806; Jensen H et al. (2004),
    research report, University of Copenhagen; Balan TA, Putter H (2019) J Stat Softw 90(7).

    ``start`` holds log posterior means (the EM point, or a nearby solution);
    the entry-side multipliers start equal to them.
    """
    a = 1.0 / theta
    state = np.concatenate([start, start])

    def update(values: FloatArray) -> FloatArray:
        return _exact_update(design, a, table, values)

    state, iterations, drifted, converged = _squarem(update, state, tol, True, max_iter)
    k = design.n_cluster
    if drifted or float(np.mean(state[:k])) < _DRIFT_LEVEL or not np.all(np.isfinite(state)):
        return None
    jumps = _jumps(design, table, state)
    exit_h, entry_h = _exact_hazards(design, table, jumps)
    data = design.data
    linear = _dot(design.event_weight, table.eta[data.event_rows])
    partial = linear - _dot(design.tie_weight, np.log(jumps.denominator) + jumps.shift)
    events = design.n_event
    loglik = partial + cluster_terms(a, events, exit_h, entry_h) + float(events.sum())
    score = _exact_score(design, table, state, jumps)
    exit_state = np.asarray(np.log(a + events) - np.log(a + exit_h), np.float64)
    return ProfilePoint(loglik, exit_state, exit_h, entry_h, iterations, score, False, converged)
